package forms

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// catalogues hold one message per error code, per message locale (in
// messageLocales order). {label} is the field's label; other {names} are
// Params.
var catalogues = []map[string]string{
	{ // English
		"required":             "Enter {label}.",
		"type":                 "{label} must be {expected}.",
		"format":               "{label} must be a valid {format}.",
		"minLength":            "{label} must be at least {limit} characters.",
		"maxLength":            "{label} must be at most {limit} characters.",
		"minimum":              "{label} must be at least {limit}.",
		"maximum":              "{label} must be at most {limit}.",
		"exclusiveMinimum":     "{label} must be more than {limit}.",
		"exclusiveMaximum":     "{label} must be less than {limit}.",
		"multipleOf":           "{label} must be a multiple of {limit}.",
		"pattern":              "{label} is not in the expected format.",
		"enum":                 "Choose one of the options for {label}.",
		"const":                "{label} must be {value}.",
		"minItems":             "Choose at least {limit} for {label}.",
		"maxItems":             "Choose at most {limit} for {label}.",
		"uniqueItems":          "{label} has the same choice twice.",
		"additionalProperties": "{label} is not a field of this form.",
		"invalid":              "{label} is not valid.",
		"tooLarge":             "The submission is too large.",
		"tooDeep":              "The submission is nested too deeply.",
		"duplicateKey":         "The submission names {label} twice.",
		"invalidUTF8":          "The submission contains characters that are not valid text.",
		"syntax":               "The submission could not be read.",
		"tooManyFields":        "The submission has too many fields.",
		"unsupportedMediaType": "The submission must be sent as JSON or as an HTML form.",
		"moreErrors":           "There are {count} more problems.",
		"controlCharacter":     "{label} contains a control character, which is not allowed.",
		"bidiControl":          "{label} contains an invisible character that changes the direction of the text.",
	},
	{ // Spanish
		"required":             "Complete «{label}».",
		"type":                 "«{label}» debe ser {expected}.",
		"format":               "«{label}» debe tener el formato de {format}.",
		"minLength":            "«{label}» debe tener al menos {limit} caracteres.",
		"maxLength":            "«{label}» debe tener como máximo {limit} caracteres.",
		"minimum":              "«{label}» debe ser como mínimo {limit}.",
		"maximum":              "«{label}» debe ser como máximo {limit}.",
		"exclusiveMinimum":     "«{label}» debe ser mayor que {limit}.",
		"exclusiveMaximum":     "«{label}» debe ser menor que {limit}.",
		"multipleOf":           "«{label}» debe ser múltiplo de {limit}.",
		"pattern":              "«{label}» no tiene el formato esperado.",
		"enum":                 "Elija una de las opciones de «{label}».",
		"const":                "«{label}» debe ser {value}.",
		"minItems":             "Elija al menos {limit} en «{label}».",
		"maxItems":             "Elija como máximo {limit} en «{label}».",
		"uniqueItems":          "«{label}» repite una opción.",
		"additionalProperties": "«{label}» no es un campo de este formulario.",
		"invalid":              "«{label}» no es válido.",
		"tooLarge":             "El envío es demasiado grande.",
		"tooDeep":              "El envío tiene demasiados niveles.",
		"duplicateKey":         "El envío nombra «{label}» dos veces.",
		"invalidUTF8":          "El envío contiene caracteres que no son texto válido.",
		"syntax":               "No se pudo leer el envío.",
		"tooManyFields":        "El envío tiene demasiados campos.",
		"unsupportedMediaType": "El envío debe hacerse como JSON o como formulario HTML.",
		"moreErrors":           "Hay {count} problemas más.",
		"controlCharacter":     "«{label}» contiene un carácter de control, que no se admite.",
		"bidiControl":          "«{label}» contiene un carácter invisible que cambia la dirección del texto.",
	},
}

// words translates the values some messages insert.
var words = []map[string]string{
	{
		"string": "text", "number": "a number", "integer": "a whole number",
		"boolean": "yes or no", "array": "a list", "object": "a group of fields", "null": "empty",
		"email": "email address", "date": "date (YYYY-MM-DD)", "date-time": "date and time",
		"time": "time", "uri": "web address", "ipv4": "IPv4 address", "ipv6": "IPv6 address",
		"uuid": "identifier", "hostname": "host name",
	},
	{
		"string": "texto", "number": "un número", "integer": "un número entero",
		"boolean": "sí o no", "array": "una lista", "object": "un grupo de campos", "null": "vacío",
		"email": "correo electrónico", "date": "fecha (AAAA-MM-DD)", "date-time": "fecha y hora",
		"time": "hora", "uri": "dirección web", "ipv4": "dirección IPv4", "ipv6": "dirección IPv6",
		"uuid": "identificador", "hostname": "nombre de host",
	},
}

// message renders the code's message for the locale.
func (l *lang) message(code, label string, params map[string]any) string {
	tmpl, ok := catalogues[l.msg][code]
	if !ok {
		tmpl = catalogues[l.msg]["invalid"]
	}
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		switch name {
		case "label":
			b.WriteString(label)
		case "expected", "format":
			s := fmt.Sprint(params[name])
			if w, ok := words[l.msg][s]; ok {
				s = w
			}
			b.WriteString(s)
		default:
			fmt.Fprint(&b, params[name])
		}
		tmpl = tmpl[i+j+1:]
	}
	// a sentence that starts with the label starts with a capital
	s := b.String()
	if label != "" && strings.HasPrefix(s, label) {
		r, size := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}
