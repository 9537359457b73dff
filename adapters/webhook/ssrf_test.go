package webhook

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"151.101.1.69", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fd00:ec2::254", false}, // cloud metadata over IPv6
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"198.18.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false}, // NAT64 of 10.0.0.1
		{"2002:a00:1::1", false},  // 6to4 of 10.0.0.1
	}
	for _, tc := range tests {
		assert.Equal(t, tc.public, publicAddr(netip.MustParseAddr(tc.addr)), tc.addr)
	}
}

func TestRefusePrivateReadsTheDialedAddress(t *testing.T) {
	t.Parallel()
	assert.NoError(t, refusePrivate("tcp4", "93.184.215.14:443", nil))
	assert.ErrorIs(t, refusePrivate("tcp6", "[fe80::1%eth0]:443", nil), ErrPrivateAddress)
	assert.ErrorIs(t, refusePrivate("tcp4", "10.0.0.1:443", nil), ErrPrivateAddress)
	assert.ErrorIs(t, refusePrivate("tcp", "not-an-address", nil), ErrPrivateAddress)
}
