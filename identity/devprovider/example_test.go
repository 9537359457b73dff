package devprovider_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/civickit/civickit/identity/devprovider"
)

func ExampleStart() {
	dev, err := devprovider.Start("127.0.0.1:0", nil) // demo accounts and the demo client
	if err != nil {
		panic(err)
	}
	defer dev.Close(context.Background())
	fmt.Println(strings.HasPrefix(dev.Issuer(), "http://127.0.0.1:"))

	_, err = devprovider.Start("0.0.0.0:0", nil)
	fmt.Println(err != nil)
	// Output:
	// true
	// true
}
