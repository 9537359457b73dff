package keyring_test

import (
	"fmt"
	"time"

	"github.com/civickit/civickit/keyring"
)

func ExampleKeyRing_Rotate() {
	ring, err := keyring.New(keyring.GenerateKey("2026-11"), nil, &keyring.Config{Grace: 24 * time.Hour})
	if err != nil {
		panic(err)
	}
	sealed := ring.Seal("example", []byte("hello"))
	if err := ring.Rotate(keyring.GenerateKey("2026-12")); err != nil {
		panic(err)
	}
	plain, err := ring.Open("example", sealed) // the retired key still opens during its grace
	fmt.Println(string(plain), err, ring.Primary())
	_, err = ring.Open("another purpose", sealed)
	fmt.Println(err != nil)
	// Output:
	// hello <nil> 2026-12
	// true
}
