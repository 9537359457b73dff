package documents

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"", "a.jpg", "../../etc/passwd", `C:\x\y.png`, "a\u202egpj.exe", "...", " .x. ", strings.Repeat("é", 300) + ".jpeg", "a." + strings.Repeat("x", 200)} {
		f.Add(s, "image/jpeg")
		f.Add(s, "application/octet-stream")
	}
	f.Fuzz(func(t *testing.T, name, typ string) {
		got := cleanName(name, typ)
		if got == "" || !utf8.ValidString(got) {
			t.Fatalf("cleanName(%q) = %q: empty or not UTF-8", name, got)
		}
		if n := utf8.RuneCountInString(got); n > MaxNameLen {
			t.Fatalf("cleanName(%q) = %q: %d runes", name, got, n)
		}
		if strings.ContainsAny(got, `/\<>:"|?*`) {
			t.Fatalf("cleanName(%q) = %q: holds a path or reserved character", name, got)
		}
		if strings.HasPrefix(got, ".") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") {
			t.Fatalf("cleanName(%q) = %q: leading dot or space", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
				t.Fatalf("cleanName(%q) = %q: holds %U", name, got, r)
			}
		}
		if again := cleanName(got, typ); again != got {
			t.Fatalf("cleanName is not stable: %q -> %q -> %q", name, got, again)
		}
	})
}

func FuzzFinder(f *testing.F) {
	f.Add([]byte("xx<ScRiPt>yy"), uint8(3))
	f.Add([]byte("<html "), uint8(1))
	f.Add([]byte("..X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		// the exact search, as the scanner runs it
		exact := newFinder([]string{"<html ", "eicar-", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"}, false)
		for p := data; len(p) > 0; {
			c := min(int(step%32)+1, len(p))
			_, _ = exact.Write(p[:c])
			p = p[c:]
		}
		if want := bytes.Contains(data, []byte("<html ")) || bytes.Contains(data, []byte("eicar-")) ||
			bytes.Contains(data, []byte("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")); exact.found() != want {
			t.Fatalf("exact finder over %q: found %v, want %v", data, exact.found(), want)
		}
		fd := newFinder(htmlMarkers, true)
		n := int(step%32) + 1
		for p := data; len(p) > 0; {
			c := min(n, len(p))
			_, _ = fd.Write(p[:c])
			p = p[c:]
		}
		var lower []byte
		for _, c := range data {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower = append(lower, c)
		}
		want := false
		for _, m := range htmlMarkers {
			want = want || bytes.Contains(lower, []byte(m))
		}
		if fd.found() != want {
			t.Fatalf("finder over %q in writes of %d: found %v, want %v", data, n, fd.found(), want)
		}
	})
}
