// Package documents makes documents from a city service's records: a PDF
// copy of a form submission (WriteCopy) in the resident's language.
package documents
