package loopback

import (
	"sync"

	"github.com/fedavail/fedavail/fedtest"
)

// keyCache holds the keys a test binary's Worlds have made. RSA key
// generation is most of the cost of a World, and a key per name is all the
// tests need: each World has its own broker and CA-issued TLS certificates,
// so sharing keys between Worlds couples nothing.
var keyCache struct {
	sync.Mutex
	ca    *fedtest.CA
	pairs map[string]*fedtest.KeyPair
}

// cachedCA returns the binary's CA, made on first use.
func cachedCA() (*fedtest.CA, error) {
	keyCache.Lock()
	defer keyCache.Unlock()
	if keyCache.ca != nil {
		return keyCache.ca, nil
	}
	ca, err := fedtest.NewCA()
	if err != nil {
		return nil, err
	}
	keyCache.ca = ca
	return ca, nil
}

// cachedPair returns the pair of a kind ("org", "broker") made by mk for
// name, making it on first use.
func cachedPair(kind, name string, mk func(string) (*fedtest.KeyPair, error)) (*fedtest.KeyPair, error) {
	keyCache.Lock()
	defer keyCache.Unlock()
	key := kind + " " + name
	if kp := keyCache.pairs[key]; kp != nil {
		return kp, nil
	}
	kp, err := mk(name)
	if err != nil {
		return nil, err
	}
	if keyCache.pairs == nil {
		keyCache.pairs = map[string]*fedtest.KeyPair{}
	}
	keyCache.pairs[key] = kp
	return kp, nil
}
