// Package letter is the paper-letter channel: it lays a message out as a
// PDF letter that fits a window envelope and hands it to a Printer, a
// print-and-mail vendor's API or, in development, a FolderDrop that
// writes each letter into a folder.
//
// # The page
//
// All positions are in millimetres from the top-left corner of the page.
// The return address (the sender's name, department and ReturnAddress)
// stands top-left, 12.7 mm (1/2 inch) from the top, aligned with the
// recipient's address. The recipient's address is printed inside the
// envelope's window, its text 2 mm inside the window's left edge and
// its lines 4.2 mm apart (10 pt type), so six lines fit either window:
//
//   - EnvelopeUS10, the default on Letter paper: a US No. 10 standard
//     window envelope with the letter folded in thirds. The window is
//     114.3 × 28.6 mm (4 1/2 × 1 1/8 inch), 22.2 mm (7/8 inch) from the
//     left edge and 50.8 mm (2 inches) from the top of the page.
//   - EnvelopeDL, the default on A4 paper: a DL window envelope (DIN 680,
//     window 90 × 45 mm) over the DIN 5008 form B address field (85 ×
//     45 mm, 20 mm from the left, 45 mm from the top). The recipient's
//     lines go in the field's address zone, its lower 27.3 mm: 85 ×
//     27.3 mm at 20 mm from the left and 62.7 mm from the top.
//
// Below the window come the date in the recipient's language ("December
// 1, 2026", "1 de diciembre de 2026"), the reference line with the case
// id, the subject in bold and the body, wrapped, one paragraph per block
// of lines separated by a blank line, on as many pages as it needs up to
// Config.MaxPages. Every page's footer says "Page 1 of 2" ("Página 1 de
// 2"). Spanish locales ("es", "es-MX") get Spanish texts; every other
// locale gets English.
//
// # Characters
//
// Letters use the PDF core fonts (Helvetica), which hold the Windows-1252
// characters: Western European accents, ñ, ¿ and ¡, curly quotes, dashes,
// the euro sign. Text is first put in Unicode composed form (NFC), so an
// "e" followed by a combining accent prints as "é". A character
// Windows-1252 lacks prints as its base letter when it has one ("ő"
// prints "o", "ł" prints "?"), otherwise as "?". Invalid UTF-8 prints
// as "?". Tabs become spaces; other control characters and format
// characters (bidirectional controls, zero-width spaces, soft hyphens)
// are removed.
//
// # Errors
//
// A message the channel cannot lay out (no address, more than six address
// lines, an address line wider than the window, a body longer than
// MaxBody or a letter longer than MaxPages) fails with an
// *adapters.SendError marked permanent that wraps
// adapters.ErrInvalidArgument: sending it again will not help. A send
// whose context is done returns the context's error, a temporary failure.
// A Printer's error is returned wrapped, so its class (permanent through
// adapters.Permanent, otherwise temporary) is kept.
//
// # Concurrency
//
// Channel and FolderDrop are safe for concurrent use. A Printer must be
// too.
package letter
