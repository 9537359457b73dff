package forms

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// builtinMessages are the default messages civickit ships, in
// messageLocales order. See Messages for the placeholders.
var builtinMessages = []*Messages{
	{ // English
		Named: map[string]string{
			"required":         "Enter {name}.",
			"required.choice":  "Select {name}.",
			"type":             "{name} must be {expected}.",
			"format":           "{name} must be a valid {format}.",
			"format.example":   "Enter {name} like {example}.",
			"pattern":          "{name} is not in the expected format.",
			"pattern.example":  "Enter {name} like {example}.",
			"minLength":        "{name} must be {limit} characters or more.",
			"maxLength":        "{name} must be {limit} characters or fewer.",
			"minimum":          "{name} must be {limit} or more.",
			"maximum":          "{name} must be {limit} or less.",
			"exclusiveMinimum": "{name} must be more than {limit}.",
			"exclusiveMaximum": "{name} must be less than {limit}.",
			"multipleOf":       "{name} must be a multiple of {limit}.",
			"enum":             "Select {name} from the options.",
			"const":            "{name} must be {value}.",
			"minItems":         "Select at least {limit} for {name}.",
			"maxItems":         "Select at most {limit} for {name}.",
			"minItems.group":   "Add at least {limit} to {name}.",
			"maxItems.group":   "{name} can have at most {limit}; remove the rest.",
			"uniqueItems":      "{name} has the same choice twice.",
			"invalid":          "{name} is not valid.",
			"controlCharacter": "{name} contains a control character, which is not allowed.",
			"bidiControl":      "{name} contains an invisible character that changes the direction of the text.",
		},
		Plain: map[string]string{
			"required":         "Enter an answer.",
			"required.choice":  "Select an answer.",
			"type":             "Enter {expected}.",
			"format":           "Enter a valid {format}.",
			"format.example":   "Enter an answer like {example}.",
			"pattern":          "Enter the answer in the format asked for.",
			"pattern.example":  "Enter an answer like {example}.",
			"minLength":        "Enter {limit} characters or more.",
			"maxLength":        "Enter {limit} characters or fewer.",
			"minimum":          "Enter a number that is {limit} or more.",
			"maximum":          "Enter a number that is {limit} or less.",
			"exclusiveMinimum": "Enter a number more than {limit}.",
			"exclusiveMaximum": "Enter a number less than {limit}.",
			"multipleOf":       "Enter a multiple of {limit}.",
			"enum":             "Select one of the options.",
			"const":            "The answer must be {value}.",
			"minItems":         "Select at least {limit}.",
			"maxItems":         "Select at most {limit}.",
			"minItems.group":   "Add at least {limit}.",
			"maxItems.group":   "Remove some: at most {limit} are allowed.",
			"uniqueItems":      "Select each option only once.",
			"invalid":          "Check this answer.",
			"controlCharacter": "Remove the control character from this answer.",
			"bidiControl":      "Remove the invisible character that changes the direction of the text.",
		},
		Submission: map[string]string{
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
			"rowIndex":             "{label} has no such row.",
			"type.root":            "The submission must be a JSON object.",
			"controlCharacter":     "{label} contains a control character, which is not allowed.",
			"bidiControl":          "{label} contains an invisible character that changes the direction of the text.",
		},
		Words: map[string]string{
			"string": "text", "number": "a number", "integer": "a whole number",
			"boolean": "yes or no", "array": "a list", "object": "a group of fields", "null": "empty",
			"email": "email address", "date": "date (YYYY-MM-DD)", "date-time": "date and time",
			"time": "time", "uri": "web address", "ipv4": "IPv4 address", "ipv6": "IPv6 address",
			"uuid": "identifier", "hostname": "host name",
		},
	},
	{ // Spanish
		Named: map[string]string{
			"required":         "Indique {name}.",
			"required.choice":  "Elija {name}.",
			"type":             "{name} debe ser {expected}.",
			"format":           "Indique {name} en un formato válido.",
			"format.example":   "Indique {name}, por ejemplo {example}.",
			"pattern":          "{name} no tiene el formato esperado.",
			"pattern.example":  "Indique {name}, por ejemplo {example}.",
			"minLength":        "{name} debe tener al menos {limit} caracteres.",
			"maxLength":        "{name} debe tener como máximo {limit} caracteres.",
			"minimum":          "{name} debe ser {limit} o más.",
			"maximum":          "{name} debe ser {limit} o menos.",
			"exclusiveMinimum": "{name} debe ser mayor que {limit}.",
			"exclusiveMaximum": "{name} debe ser menor que {limit}.",
			"multipleOf":       "{name} debe ser múltiplo de {limit}.",
			"enum":             "Elija {name} entre las opciones.",
			"const":            "{name} debe ser {value}.",
			"minItems":         "Elija al menos {limit} en {name}.",
			"maxItems":         "Elija como máximo {limit} en {name}.",
			"minItems.group":   "Añada al menos {limit} en {name}.",
			"maxItems.group":   "{name} admite como máximo {limit}; quite los demás.",
			"uniqueItems":      "{name} repite una opción.",
			"invalid":          "{name} no es válido.",
			"controlCharacter": "{name} contiene un carácter de control, que no se admite.",
			"bidiControl":      "{name} contiene un carácter invisible que cambia la dirección del texto.",
		},
		Plain: map[string]string{
			"required":         "Indique una respuesta.",
			"required.choice":  "Elija una respuesta.",
			"type":             "Indique {expected}.",
			"format":           "Indique {format} en un formato válido.",
			"format.example":   "Indique una respuesta como {example}.",
			"pattern":          "Indique la respuesta en el formato pedido.",
			"pattern.example":  "Indique una respuesta como {example}.",
			"minLength":        "Indique {limit} caracteres o más.",
			"maxLength":        "Indique {limit} caracteres o menos.",
			"minimum":          "Indique un número igual o mayor que {limit}.",
			"maximum":          "Indique un número igual o menor que {limit}.",
			"exclusiveMinimum": "Indique un número mayor que {limit}.",
			"exclusiveMaximum": "Indique un número menor que {limit}.",
			"multipleOf":       "Indique un múltiplo de {limit}.",
			"enum":             "Elija una de las opciones.",
			"const":            "La respuesta debe ser {value}.",
			"minItems":         "Elija al menos {limit}.",
			"maxItems":         "Elija como máximo {limit}.",
			"minItems.group":   "Añada al menos {limit}.",
			"maxItems.group":   "Quite algunos: se admiten como máximo {limit}.",
			"uniqueItems":      "Elija cada opción una sola vez.",
			"invalid":          "Revise esta respuesta.",
			"controlCharacter": "Quite el carácter de control de esta respuesta.",
			"bidiControl":      "Quite el carácter invisible que cambia la dirección del texto.",
		},
		Submission: map[string]string{
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
			"rowIndex":             "«{label}» no tiene esa fila.",
			"type.root":            "El envío debe ser un objeto JSON.",
			"controlCharacter":     "«{label}» contiene un carácter de control, que no se admite.",
			"bidiControl":          "«{label}» contiene un carácter invisible que cambia la dirección del texto.",
		},
		Words: map[string]string{
			"string": "texto", "number": "un número", "integer": "un número entero",
			"boolean": "sí o no", "array": "una lista", "object": "un grupo de campos", "null": "vacío",
			"email": "un correo electrónico", "date": "una fecha (AAAA-MM-DD)", "date-time": "una fecha y hora",
			"time": "una hora", "uri": "una dirección web", "ipv4": "una dirección IPv4", "ipv6": "una dirección IPv6",
			"uuid": "un identificador", "hostname": "un nombre de host",
		},
	},
}

// fieldMessage renders the message of a problem on a declared field: the
// form's own x-messages text for the code when it has one in the locale,
// else the default, naming the field by its x-errorName when it has one
// and giving its x-example for a format or pattern problem. A form text
// may use {name}, {example} and the Params ({limit}, {format}...).
func (l *lang) fieldMessage(fl *Field, code string, params map[string]any) string {
	name := fl.errName.in(l)
	if t, ok := fl.messages[code]; ok {
		if s := t.in(l); s != "" {
			return l.fill(s, name, fl.example, params)
		}
	}
	key := code
	switch {
	case (code == "format" || code == "pattern") && fl.example != "":
		key += ".example"
	case code == "required" && (len(fl.Options) > 0 || fl.Widget == "checkbox"):
		key += ".choice"
	case (code == "minItems" || code == "maxItems") && fl.Widget == "group":
		key += ".group" // rows are added, not selected
	}
	set := l.msgs.Plain
	if name != "" {
		set = l.msgs.Named
	}
	tmpl, ok := set[key]
	if !ok {
		// an added language may predate a key (see optionalKeys)
		if tmpl, ok = set[code]; !ok {
			tmpl = set["invalid"]
		}
	}
	return upperFirst(l.fill(tmpl, name, fl.example, params))
}

// message renders the code's message for the locale; label is a name the
// form does not declare, or the form's title.
func (l *lang) message(code, label string, params map[string]any) string {
	tmpl, ok := l.msgs.Submission[code]
	if !ok {
		tmpl = l.msgs.Submission["invalid"]
	}
	s := l.fill(tmpl, label, "", params)
	// a sentence that starts with the label starts with a capital
	if label != "" && strings.HasPrefix(s, label) {
		return upperFirst(s)
	}
	return s
}

// fill replaces the {placeholders} of tmpl.
func (l *lang) fill(tmpl, name, example string, params map[string]any) string {
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
		key := tmpl[i+1 : i+j]
		switch key {
		case "label", "name":
			b.WriteString(name)
		case "example":
			b.WriteString(example)
		case "expected", "format":
			s := fmt.Sprint(params[key])
			if w, ok := l.msgs.Words[s]; ok {
				s = w
			}
			b.WriteString(s)
		default:
			if v, ok := params[key]; ok {
				fmt.Fprint(&b, v)
			}
		}
		tmpl = tmpl[i+j+1:]
	}
	return b.String()
}

func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
