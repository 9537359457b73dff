package forms

// chatText holds a conversation's fixed texts in one language. The
// commands they name are the English or Spanish words Step takes in
// either language.
type chatText struct {
	intro, notAsked, optional, chooseMany                             string
	helpChoice, helpChoices, helpBool, helpNumber, helpDate, helpList string
	helpText, helpExample, helpSkip, helpCommands, helpConfirm        string
	summary, noAnswers, confirm, confirmAgain, submitted, received    string
	stopped, done                                                     string
	welcomeBack, first, tooLong, unreadable, webOnly                  string
}

// chatTexts are the built-in languages' texts, in messageLocales order,
// as pageTexts are for pages.
var chatTexts = []chatText{
	{ // English
		intro:        "Reply HELP for help or STOP to end.",
		notAsked:     "Not asked by text (use the web form for these): %s.",
		optional:     "(optional, reply SKIP)",
		chooseMany:   "Reply with all the numbers that apply, like 1,3.",
		helpChoice:   "Reply with the number of your answer, or its name.",
		helpChoices:  "Reply with the numbers of all that apply, separated by commas, like 1,3.",
		helpBool:     "Reply YES or NO.",
		helpNumber:   "Reply with a number.",
		helpDate:     "Reply with a date like 2026-12-31 (year-month-day).",
		helpList:     "Reply with your answers separated by commas.",
		helpText:     "Reply with your answer in one message.",
		helpExample:  "For example: %s",
		helpSkip:     "Reply SKIP to leave this one out.",
		helpCommands: "Reply BACK for the previous question, RESTART to start over, or STOP to end.",
		helpConfirm:  "Reply YES to submit these answers, BACK to change the last answer, RESTART to start over, or STOP to end without sending.",
		summary:      "Please check your answers:",
		noAnswers:    "(no answers)",
		confirm:      "Reply YES to submit, BACK to change the last answer, or RESTART.",
		confirmAgain: "Reply YES to submit your answers, BACK to change the last answer, or RESTART to start over.",
		submitted:    "Thank you. Your answers were sent.",
		received:     "Thank you. We received your request. Its reference is %s: we will text you about it.",
		stopped:      "You will get no more messages about this. Your answers were not sent.",
		done:         "This conversation is over. Reply RESTART to start again.",
		welcomeBack:  "Welcome back to %s. Let's continue.",
		first:        "This is the first question.",
		tooLong:      "That message is too long: reply with at most %d characters.",
		unreadable:   "That message could not be read. Please send it again.",
		webOnly:      "This answer can only be given on the web form.",
	},
	{ // Spanish
		intro:        "Responda AYUDA para obtener ayuda o ALTO para terminar.",
		notAsked:     "No se pregunta por mensaje de texto (use el formulario web para esto): %s.",
		optional:     "(opcional, responda OMITIR)",
		chooseMany:   "Responda con todos los números que correspondan, como 1,3.",
		helpChoice:   "Responda con el número de su respuesta, o su nombre.",
		helpChoices:  "Responda con los números de todas las que correspondan, separados por comas, como 1,3.",
		helpBool:     "Responda SÍ o NO.",
		helpNumber:   "Responda con un número.",
		helpDate:     "Responda con una fecha como 2026-12-31 (año-mes-día).",
		helpList:     "Responda con sus respuestas separadas por comas.",
		helpText:     "Responda con su respuesta en un solo mensaje.",
		helpExample:  "Por ejemplo: %s",
		helpSkip:     "Responda OMITIR para dejar esta en blanco.",
		helpCommands: "Responda ATRÁS para la pregunta anterior, REINICIAR para empezar de nuevo o ALTO para terminar.",
		helpConfirm:  "Responda SÍ para enviar estas respuestas, ATRÁS para cambiar la última respuesta, REINICIAR para empezar de nuevo o ALTO para terminar sin enviar.",
		summary:      "Revise sus respuestas:",
		noAnswers:    "(sin respuestas)",
		confirm:      "Responda SÍ para enviar, ATRÁS para cambiar la última respuesta o REINICIAR.",
		confirmAgain: "Responda SÍ para enviar sus respuestas, ATRÁS para cambiar la última respuesta o REINICIAR para empezar de nuevo.",
		submitted:    "Gracias. Sus respuestas se enviaron.",
		received:     "Gracias. Recibimos su solicitud. Su referencia es %s: le enviaremos mensajes de texto sobre ella.",
		stopped:      "No recibirá más mensajes sobre esto. Sus respuestas no se enviaron.",
		done:         "Esta conversación terminó. Responda REINICIAR para empezar de nuevo.",
		welcomeBack:  "Bienvenido de nuevo a %s. Sigamos.",
		first:        "Esta es la primera pregunta.",
		tooLong:      "Ese mensaje es demasiado largo: responda con %d caracteres como máximo.",
		unreadable:   "No se pudo leer ese mensaje. Envíelo de nuevo.",
		webOnly:      "Esta respuesta solo se puede dar en el formulario web.",
	},
}

// chatTextsFor returns the texts of a resolved built-in language.
func chatTextsFor(l *lang) *chatText {
	if l.msg >= 0 && l.msg < len(chatTexts) {
		return &chatTexts[l.msg]
	}
	return &chatTexts[0]
}
