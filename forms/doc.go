// Package forms turns JSON Schema 2020-12 documents into government forms:
// versioned definitions, validation with plain-language field errors in
// English, Spanish and any language a city adds, accessible HTML,
// multi-step pages, prefill from a resident's identity claims,
// save-and-resume drafts, and protection of personal data (redaction and
// sealing at rest).
//
// A definition is channel-neutral: the web page, a text-message
// conversation and the 311 API all read the same document.
//
// # Definitions
//
// A definition is one JSON object: a JSON Schema 2020-12 document whose
// root has "type": "object", plus the civickit vocabulary below. It is
// compiled once, with format assertions on (so "format": "email" and
// "format": "date" are checked, not just annotations), and external
// references are refused: a definition is self-contained. Standard
// keywords keep their JSON Schema meaning; "title" and "description" are
// the default-language label and hint of a field.
//
// Every name in a schema object, at any depth (properties, items, allOf,
// if/then/else, $defs, ...), must be a keyword of JSON Schema 2020-12's
// core, applicator, validation, unevaluated, format-annotation, content
// or meta-data vocabularies, or one of the civickit keywords below; so
// must every member of x-form and of its steps. Otherwise the load fails
// with a *DefinitionError naming the file, the JSON pointer and the
// nearest known keyword ("minLenght": unknown keyword "minLenght"; did
// you mean "minLength"?), since a rule the compiler silently ignored
// would be lost. Property names, $defs names and the values of enum,
// const, default and examples are the author's, not keywords. The
// civickit keywords' values are checked through jsonschema/v6's
// vocabulary support: a bad value (x-widget: "textaera") fails the same
// way.
//
//   - x-form (root only, required): {"id": "permit", "version": 1,
//     "steps": [...], "allowUnknownFields": false}. id is lower-case
//     letters, digits and dashes; version an integer from 1. A published
//     (id, version) never changes: the registry refuses other bytes under
//     it.
//   - x-form.steps: the pages of a multi-step form, each {"id", "title",
//     "x-title", "fields": [top-level property names]}. Every top-level
//     field must be on exactly one step. Without steps the form is one page,
//     step "main".
//   - x-form.allowUnknownFields: keep submitted names the form does not
//     declare instead of refusing them with code additionalProperties.
//   - x-title, x-description: translations of title and description, an
//     object from BCP 47 language tag to text ({"es": "Nombre"}). Locale
//     matching tries each requested tag and its base language, then the
//     language the messages are in (English unless Spanish matched), then
//     falls back to title/description.
//   - x-order: property names in the order to show them; properties it
//     leaves out follow in document order (the order of "properties" in the
//     file is kept in any case).
//   - x-widget: the input to draw: text, textarea, number, date, email,
//     tel, select, radio, checkbox, checkboxes, address (a group: an object
//     of fields), group (a repeating group: an array of objects, see
//     Repeating groups), hidden, file (see File fields). Omitted, it
//     follows from type, format and enum.
//     It must fit the type (checkbox needs a boolean, checkboxes an array
//     with items.enum, select and radio an enum; radio on a boolean draws
//     Yes and No, which suits a required yes-or-no question better than a
//     checkbox, whose unticked state posts nothing).
//   - x-autocomplete: an HTML autocomplete token ("email", "given-name",
//     "postal-code", "shipping street-address", "off", ...).
//   - x-prefill: the identity claim that prefills the field ("email",
//     "given_name"); see Prefill. A prefilled value stays editable.
//   - x-pii: the personal-data category of the field: contact, identity,
//     financial, health, location, demographic or other. Redact masks and
//     Seal encrypts every field with a category.
//   - x-options: labels of enum values per locale ({"yes": {"en": "Yes",
//     "es": "Sí"}}); without one the value itself is shown.
//   - x-trim: false keeps leading and trailing white space of a text
//     field (or of a list's strings); by default it is trimmed before
//     validation, so a blank answer to a required field is "required",
//     a blank optional answer is no answer, and minLength counts real
//     characters.
//   - x-allowControls: true lets a text field hold what it otherwise
//     refuses: control characters (C0, DEL and C1; tab and line breaks
//     are always allowed in a textarea), code controlCharacter, and the
//     bidirectional embeddings, overrides and isolates (U+202A to U+202E,
//     U+2066 to U+2069), code bidiControl, which can make a staff screen
//     show text in another order than the resident sent it.
//   - x-errorName: the field's name in error messages, a short noun
//     phrase that reads after "Enter" ("your street address", "a ZIP
//     code"), as text in the form's language or per locale like
//     x-title ({"en": "a ZIP code", "es": "un código postal"}). Without
//     one, messages do not name the field and read well on their own
//     next to it: "Enter an answer.", "Select an answer.", "Enter a valid
//     email address.", "Enter a number that is 10 or less.". The question
//     (title) is never pasted into a message.
//   - x-messages: the form's own message per error code (required,
//     format, pattern, minLength, maximum, const, ...; the codes of
//     FieldError.Code that a field can have), each as text or per locale
//     ({"required": {"en": "Enter the street address", "es": "Indique la
//     calle"}}). A message may use {name}, {example} and the error's
//     Params ({limit}, {format}, {value}). Where it has no text for the
//     locale, the default message is used. A form translated into other
//     languages (any x-title, x-description or x-options locale) must
//     give its x-errorName and x-messages texts per locale, in each of
//     them, so no message mixes two languages.
//   - x-example: an example answer ("12345"); the first string of the
//     standard "examples" keyword serves when there is none. Format and
//     pattern messages give it: "Enter a ZIP code like 12345.".
//   - x-channels: the channels besides the web page that may ask for
//     and show the field's personal data (x-pii), as names ("sms"); on a
//     field, or on an object or the form's root for every field inside,
//     a field's own list replacing the one around it (Field.Channels). A
//     field with x-pii and no list naming a channel is not asked on it
//     (see Text-message conversations); a field without x-pii is asked on
//     every channel.
//
// Default messages exist in English and Spanish, and in any language a
// city adds (see Adding a language); a problem on a name the form does
// not declare, or on the whole submission, names it as sent.
//
// Conditional fields use JSON Schema's own keywords. Properties declared
// in the "then" or "else" of an if/then/else (at an object's level or
// inside its allOf) are shown only when that branch applies; when it does
// not, a submitted value for them is dropped, never stored.
// "dependentRequired" makes fields required when another is present.
// Load-time checks refuse: a step no resident can ever reach, a required
// field that a condition may hide (require it inside the branch that
// shows it), a branch that requires a field it hides, and a condition that
// tests a field for a value the field can never take.
//
// Property names may not contain '.' (form posts join names with it),
// nor '*' (it stands for any row of a repeating group), nor start with
// '_' (form posts leave such names to the page).
//
// Names reserved for later channels and features (Open311 service
// codes) will be added to the vocabulary, never taken from unknown "x-"
// keywords.
//
// # File fields
//
// A field asks for files with x-widget "file": on {"type": "string"} it
// takes one file, on {"type": "array", "items": {"type": "string"}} as
// many as its maxItems (required, at most 100). Its value is the id of
// each stored file, chosen by the file store. The keywords:
//
//   - x-accept (required): the media types the field takes, exact and
//     lower case ("image/jpeg", "application/pdf"; no wildcard, no
//     parameters). The store sniffs each file's content and refuses any
//     other type. "text/html", "image/svg+xml", "application/xhtml+xml"
//     and JavaScript are refused at load: a browser would run such a
//     file when staff open it.
//   - x-maxFileSize: bytes per file, DefaultMaxFileSize (10 MiB) when
//     left out, or the registry's MaxUploadBytes when that is smaller; a
//     value above MaxUploadBytes fails the load.
//   - x-form.maxTotalSize: bytes for all the files of one submission,
//     across every file field; by default the registry's MaxUploadBytes.
//     It is a member of x-form, not of a field, because it bounds them
//     all.
//
// A file field on a number, an object or a list of anything but strings,
// x-accept or x-maxFileSize on another field, and a file list without
// maxItems fail the load with a *DefinitionError.
//
// A file field may sit in the rows of a repeating group (a proof of
// income for each household member): its path then holds the row's
// index ("members.2.proof"), as every name of the field does below, and
// its limits, accepted types and x-pii are the row template's.
//
// A page with a file field is drawn as <form enctype="multipart/form-data">
// with a USWDS <input class="usa-file-input" type="file" accept="..."
// [multiple]>, labelled, hinted and marked in error like any input (no
// script needed), in each row of a group. Files already uploaded are
// listed by name (escaped), each with a hidden input "_file.<path>"
// holding its id and a checkbox labelled "Remove <name>"
// (Language.RemoveFile) named "_drop.<path>" with the id as its value; a
// step page carries the files of other steps, rows included, as hidden
// inputs only. Page.Files gives the names (Post.Page and Resumed.Page
// set it).
//
// ReadPost (and ValidateRequest) read a multipart/form-data post when
// RegistryConfig.Files holds a FileStore, and refuse it with 415
// otherwise. The body is streamed with mime/multipart, part by part:
// never parsed whole, no file held in memory. Each file part goes to
// FileStore.Put as it arrives, Upload.Field the part's name with its row
// index, with the field's accepted types and a bound of the field's
// x-maxFileSize or what maxTotalSize (the files of every field and row
// together) leaves, whichever is smaller, and, for a field marked x-pii,
// Sealed. The
// uploader is the identity WithUploader puts on the request's context:
// the identity middleware's principal, passed as
//
//	r = r.WithContext(forms.WithUploader(r.Context(), p.Subject, p.Issuer))
//
// Limits: RegistryConfig.MaxUploadBytes (default 32 MiB) bounds the whole
// body (413 beyond it), MaxBodyBytes its non-file parts together, 8 KiB
// the headers of one part (a longer file name is a bad request; the store
// cleans shorter ones), 1,000 parts. A file the store or a limit refuses
// is an error of its field, in the locale like any other, and the rest of
// the post is read: fileTooLarge (with the limit in "10 MB" style units),
// fileType (listing the accepted kinds: "JPEG, PNG"), fileEmpty,
// fileRejected (the scan), tooManyFiles, filesTooLarge (the total), and
// "required" reads "Choose a file.". A body that cannot be read whole is
// a request error and nothing it stored is kept (FileStore.Discard): a
// truncated body, a part without a form-data name, a file for a name the
// form does not declare or for a field that takes no file, two files for
// a field that takes one (400), a row index that cannot be in a file
// part's, a "_file." or a "_drop." name (ErrRowIndex, 400; see Repeating
// groups), too many parts (400), a body too large (413), and a failure
// of the store itself, answered by its kind. An error of a file in a row
// is on the row's path ("members.2.proof"), and the summary links to
// that row's input.
//
// A value of a file field is a file id, whatever the post's type: one
// this post stored, or one carried from an earlier post ("_file.<path>",
// or the value itself in JSON), which FileStore.Ref must confirm as the
// uploader's own; any other id is the field error fileUnknown and is
// dropped, so a post can never name someone else's file. An anonymous
// post's files have no owner, so a store's ids must be unguessable. A new
// file replaces the carried one of a field that takes one.
//
// A ticked "_drop.<path>" box takes its file out of the field's carried
// ones (a new file chosen for the field in the same post is kept), and
// the file is discarded (FileStore.Discard) when no other field or row
// still names it and FileStore.Ref confirms it as the uploader's own and
// not yet submitted; a box naming a file the post does not carry there
// does nothing. Removing a row of a group discards the files of that row
// the same way, and carried files of the rows after it move up with
// their rows ("_file.members.3.proof" is drawn as
// "_file.members.2.proof"). A post refused as a whole discards nothing it
// carried. On a post with
// errors the files stored are kept, named in Post.Files and drawn again
// with the page, so the resident does not upload them again; on a valid
// post, files of fields the answers hide are discarded, and Post.Files
// names the rest in form order, row by row, each FileRef.Field the path
// with its row index: pass them to Form.Submission, which keeps
// them as adapters.Submission.Files for the store to link to the case.
// Files never submitted are the orphan sweep's (the file store's) to
// remove.
//
// # Repeating groups
//
// A property whose schema is an array of objects, {"type": "array",
// "items": {"type": "object", "title": "Household member", "properties":
// {...}}}, is a repeating group: each row is the same set of fields, with
// its own labels, conditions (an if/then/else inside items, decided on
// the row) and errors. Its Field has Type "array", ItemType "object",
// Widget "group", MinItems and MaxItems from minItems and maxItems, and
// Fields, the fields of one row: their Path and Pointer hold "*" for the
// row ("members.*.dob", "/members/*/dob"), and Form.Field finds them by
// that path or by the path of any row ("members.2.dob"). A group without
// maxItems holds at most DefaultMaxRows (100) rows, on JSON submissions
// and form posts alike. A row may hold file fields (see File fields). The
// items schema needs a title: it heads each row,
// numbered from 1 ("Household member 2", Field.RowTitle), translated by
// its x-titles like any title. A row may hold objects and groups of its
// own; see the limit below.
//
// Rows are numbered from 0 in values and errors, as in JSON pointers: an
// error in the third row's date of birth has Pointer "/members/2/dob" and
// Field "members.2.dob", the error summary links to that row's input and
// names its row ("Household member 3: Enter an answer."). minItems and
// maxItems problems on a group read "Add at least 1." and "Remove some:
// at most 6 are allowed." (message keys "minItems.group" and
// "maxItems.group"). The rows of an error list come in row order.
//
// A form post names a row's inputs by index ("members.2.dob"). The index
// is decimal digits as the renderer writes them: a sign, a leading zero,
// anything but digits, or an index at or past maxItems (DefaultMaxRows
// without one) is refused with ErrRowIndex, code rowIndex, before any
// value is kept; no row is ever made for an index, only for the names
// posted, so "members.1000000000.dob" costs nothing. Each drawn row also
// posts a hidden "members.2._row" input, so a row left wholly blank is
// still a row; rows are kept in index order, a gap closing up.
//
// The page needs no script to add and remove rows. Each row is a
// fieldset whose legend is its heading (level 2 on a one-page form, 3
// under a step's heading), ending in a "Remove" button, and the group
// ends in an "Add" button while it has room; both are submit buttons
// (name "_add", value "members"; name "_remove", value "members.2"),
// labelled with the row's title ("Add Household member 3", "Remove
// Household member 2"; Language.AddRow and RemoveRow translate them). A
// hidden copy of the form's submit button comes first in a form with
// such buttons, so pressing Enter in an input submits the form. ReadPost
// reads a press of either as a row edit, not a submission: Post.Edit says
// which group and row, Complete is false, Errors is nil, and Page draws
// the same step again with every value as typed and one row more or less
// (rows after a removed one move up). Removing a row that was not posted,
// or adding one to a full group, is refused with ErrRowIndex; so is a
// button naming no group of the form. ValidateRequest refuses a row edit
// with ErrSyntax, since it is not a submission. A group the resident has
// never answered is drawn with its minItems rows, all blank.
//
// x-prefill is not used inside rows: a row is often someone other than
// the signed-in resident. Drafts keep rows as they are; Redact, Seal and
// Open treat each row's
// PII fields like top-level ones, a sealed value bound to its row's
// pointer ("/members/2/dob"), so it does not open in another row.
//
// The limit of a group inside a row: it works as a top-level one does
// (its inputs are named "members.0.pets.1.kind", its buttons
// "members.0.pets"), but its rows are headed one level lower down to h6,
// and its error summary lines name only the innermost row. A form post
// may not hold more than 1,000 values in all, which bounds rows of rows.
//
// # Validation
//
// Form.ValidateJSON takes JSON bytes, Form.ValidateValue a decoded value,
// Form.DecodeForm an HTML form post (names such as "applicant.email",
// repeated names for arrays, strings coerced by the schema to numbers,
// booleans and arrays), and Form.ValidateRequest either body from an
// *http.Request. Each returns the clean values or a *ValidationError with
// one FieldError per field, the most useful one (required before type
// before finer rules), in form order, with a stable Code and a Message in
// the requested locale, at most 50 and then one "moreErrors" entry that
// counts the rest; a name the form does not declare is clipped to 40
// bytes, so no answer or log line grows with the input. WriteProblem
// answers a ValidationError as RFC 9457 application/problem+json with an
// "invalid-params" list. ValidateRequest takes only application/json and
// application/x-www-form-urlencoded bodies, and multipart/form-data when
// the registry has a file store (415 otherwise, a missing Content-Type
// and text/plain included) and a form post of at most 1,000
// values. Form.ReadPost reads the same posts in one call and returns a
// *Post: the clean values (as a map and as JSON), or the values as
// entered with their *ValidationError, which Post.Page turns into the
// page that draws the form again; a post from a step page (its "_step"
// input) is checked up to that step, goes back to the first step with an
// error and names the next step when valid. On an error page every link of
// the summary leads to an element of the page: to the field's input, or to
// the summary itself for an error no visible input holds (the whole
// submission, a name the form does not declare, a field of another step).
// Form.Submission turns clean values into the adapters.Submission
// record, pinned to the form version, that workflow.OpenParams takes.
//
// Input read from bytes or a request is bounded: bodies (default 1 MiB),
// nesting (default 32 levels); duplicate JSON keys and invalid UTF-8 are
// refused, each with its own code and sentinel error, and an escape of no
// character (a lone surrogate, "\ud800") is a syntax error. JSON is read
// with go-json-experiment's jsontext. A value the caller
// has already decoded (ValidateValue) is already in memory, so only its
// nesting is bounded.
//
// # Rendering
//
// A Renderer draws a whole form or one step as HTML (see Renderer for
// the accessibility rules it keeps; class names are those of the U.S. Web
// Design System). A step page carries earlier and later steps' values as
// hidden inputs, and ValidateStep checks a page and the ones before it. A
// conditional field whose condition reads only earlier steps' answers is
// left off a step page when those answers hide it.
// Prefill fills fields from identity claims given as a map. Vendors
// override templates through RenderConfig.Templates. There is one
// renderer, html/template, and the template data holds plain text only,
// so every value is escaped for its context (a javascript: action becomes
// "#ZgotmplZ").
//
// Render writes the bare <form> for a page of one's own; RenderPage writes
// the whole document through the same templates ("page" wraps "form"):
// <html lang dir> in the language the page is really shown in, a <title>
// that starts with "Error: " when the page shows errors, a skip link to
// <main id="main-content">, a header and footer with the city's name,
// logo and home link (RenderConfig.Site), links to the page in other
// languages (Page.Languages) and a back link on later steps
// (Page.BackURL). A page asked for in a language the form has no text in
// (no x-title of the form, a step or a field in it) is drawn, and marked,
// in English, the language definitions are written in, rather than
// mixing English questions with translated buttons. A language written
// right to left gets dir="rtl". RenderDocument draws the same shell around
// content of one's own (a confirmation, a list of cases), written with
// html/template by a callback; casework's pages are drawn this way.
//
// The styles are the U.S. Web Design System's own: the compiled
// uswds.min.css of @uswds/uswds 3.14.0, with every font and image it
// references, is embedded unchanged (forms/assets, with its licence) and
// served by Assets with year-long immutable caching; mount it where
// Site.AssetsPath says ("/assets/" by default). Site.Stylesheets links a
// city's own stylesheets instead. A content security policy for the shell
// needs style-src, font-src and img-src 'self' (img-src also data:).
//
// # Adding a language
//
// The page's fixed texts and the default validation messages ship in
// English and Spanish. Adding a language needs no change to civickit:
//
//  1. translate the form's own texts (x-title, x-description, option
//     labels, and x-errorName and x-messages where the form has them)
//     keyed by the language's BCP 47 tag, such as "ar";
//  2. write a Language: the page's fixed texts (buttons, headings, the
//     Yes and No of a yes-or-no question, the shell's) and, in its Messages,
//     every default message, starting from a copy of
//     DefaultMessages("en") (the placeholders are documented on
//     Messages);
//  3. give it to RegistryConfig.Languages.
//
// The registry's forms that have texts in the language then validate in
// it (ValidateJSON, ValidateValue, ValidateRequest, ReadPost, and
// DecodeForm's errors through ProblemFor), with its Messages as the
// defaults (the form's x-messages and x-errorName still come first), and
// every Renderer draws their pages in it, error summaries included;
// RenderConfig.Languages may hold the same slice, or page-only languages
// for a renderer of its own. A language is picked when the request names
// it (by its base language: "ar-EG" asks for "ar") before any built-in
// language the form is written in, and only for a form with texts in it:
// messages are written in the language the page is drawn in, never an
// Arabic sentence around an English name. NewRegistry refuses a Language
// whose Messages lack a key of the English ones (the error names every
// key missing), so no message falls back to another language, but for
// the keys of repeating groups, which came later (see Messages); a Language
// with no Messages at all is for pages only and leaves the default
// messages in English. A language whose script is written right to left
// (Arabic, Hebrew, Persian, Urdu...) gets dir="rtl" and, with the
// built-in styles, RTLStylesheet, which mirrors the design system's left
// and right. Problem titles (ProblemFor's Title) stay in English in an
// added language; the invalid-params reasons are in the language.
//
// # Text-message conversations
//
// NewConversation runs a form as a text-message conversation, one
// question per message, in English or Spanish (as the form has texts in
// them; English otherwise). The caller keeps a small ChatState between
// messages (JSON); Start opens the dialog, Step takes each incoming
// message, Resume greets the person back after a quiet period, and
// Values returns the values for submission, validated exactly as a web
// submission is. A *Conversation is immutable and safe for concurrent
// use.
//
// The questions are the form's fields in form order (a group's fields
// in turn, labelled "Site: Street"), each written as its label, its
// description cut to about 160 bytes, its options numbered ("1.
// Pothole"; Yes and No for a yes-or-no question) and "(optional, reply
// SKIP)" when the form does not require an answer given the answers so
// far. A conditional field is asked only when its condition holds on
// the answers so far (the form's own if/then/else), and an answer the
// later answers hide is dropped. A choice is answered by its number,
// its label or its value, ignoring case and accents; several choices as
// "1,3" or "1 3"; yes or no as yes, y, sí, si, s, 1, no, n or 2; a
// number as a form post's is coerced; a date as 2026-12-31, or as
// 12/31/2026 or 31/12/2026 when only one reading is a date (4/5/2026 is
// refused as ambiguous). Each answer is checked by the form's own rules
// on the values so far (required, pattern, dependentRequired, a
// branch's required, control characters, ...), and a refused answer
// gets the message the web form shows for it, x-messages and
// x-errorName included, followed by the question again (Turn.Invalid).
// A message over ConversationConfig.MaxAnswerBytes (1,600 by default)
// or not valid UTF-8 is refused before any rule.
//
// Commands come before answers, in any case, accents optional, in
// either language: STOP (ALTO, PARAR, CANCEL, CANCELAR, END, QUIT,
// UNSUBSCRIBE, STOPALL, BAJA) ends the dialog with Turn.Stop, for the
// caller to record the opt-out; RESTART (REINICIAR) starts over; HELP
// (AYUDA) explains the question; BACK (ATRÁS) goes to the previous
// question asked, removing its answer; SKIP (OMITIR, SALTAR) leaves an
// optional question out. After the last question a numbered summary of
// the answers (personal data included: it goes to the person's own
// phone) asks for YES (SÍ); YES submits (Turn.Submit) when Values
// accepts the answers, and otherwise asks the first question the form
// refuses, with its message.
//
// Some fields cannot be asked by text: file fields, repeating groups,
// hidden fields, lists of lists, and personal data (x-pii) whose
// x-channels does not name the conversation's channel
// (ConversationConfig.Channel, "sms" by default). They are left out
// when optional, and the first message names them; NewConversation
// refuses a form in which such a field is or may be required (always,
// in a branch, or by dependentRequired), naming each field and reason.
//
// # Drafts and privacy
//
// Drafts saves partly filled forms through an adapters.DraftStore and
// returns a random 256-bit resume token whose SHA-256 alone is stored;
// drafts expire, resume restores the values and the step, and a signed-in
// resident's draft resumes and lists only for them: for the same issuer
// and subject, the stable key of a person, since two providers may issue
// the same subject. Form.Redact masks PII fields
// (x-pii); Form.Seal and Form.Open encrypt them with AES-256-GCM under a
// keyring.KeyRing, each value naming its key and bound to its form and
// field; rotation is keyring.KeyRing.Rotate, and a ring whose grace is
// keyring.GraceForever opens what retired keys sealed for as long as they
// stay in the ring. Drafts with a ring seal before the store sees
// anything. A draft keeps the ids of file fields; Resume looks each up in
// the registry's FileStore as the resumer's own (FileStore.Ref with the
// issuer and subject given), fills Resumed.Files so the page lists them
// by name (Resumed.Page), and drops from the values the ids of files no
// longer available (discarded, submitted, swept, someone else's),
// failing only when the store itself fails.
//
// # Errors
//
// Submissions that break the form return a *ValidationError, which
// unwraps to adapters.ErrInvalidArgument, and for input limits also to
// ErrTooLarge, ErrTooDeep, ErrDuplicateKey, ErrInvalidUTF8, ErrSyntax,
// ErrTooManyFields, ErrUnsupportedMediaType or ErrRowIndex.
// Definitions that fail to load return a *DefinitionError (wrapping
// adapters.ErrInvalidArgument) whose Problems list every problem found
// (unknown keywords, property names, x-order, x-widget, steps, required
// and conditional fields), so an author fixes them in one pass; LoadFS
// joins one per failing file. Lookups
// of missing forms or drafts wrap adapters.ErrNotFound; a pin whose hash
// differs wraps adapters.ErrConflict; republishing a version with other
// content wraps adapters.ErrDuplicate. A sealed value that does not open
// wraps a keyring error (keyring.ErrInvalidSealed, ErrUnknownKey,
// ErrKeyRetired). Error texts never contain submitted values.
//
// ProblemFor and WriteProblem are the one place that turns any civickit
// error (forms, workflow, identity or a store's sentinel) into an HTTP
// status and an RFC 9457 problem with a stable "code": 422 validation,
// 409 conflict or duplicate, 403 a workflow denial with its denial code,
// 401 an identity refusal, 404, 400, 413, 415, 503 with Retry-After, and
// 500 with no detail otherwise. A workflow denial is recognised by its
// DenialCode method and an identity refusal by its Unauthenticated
// method, so forms imports neither workflow nor identity.
//
// # Concurrency
//
// A Registry is safe for concurrent use; a *Form, once loaded, is
// immutable and safe for concurrent use, as are Renderer and Drafts.
package forms
