package fedavail

// Limits bound what fedavail's XML readers accept from the network, before
// any parsing: the size of a message, its nesting depth and the size of one
// attribute. Document type and entity declarations are refused whatever the
// limits ([ErrDTD]); exceeding a limit is a [*LimitError]. Zero fields take
// the defaults, far above what a real Autodiscover, EWS or WS-Trust message
// needs and far below what hurts a server: 16 MiB, depth 64, 64 KiB.
type Limits struct {
	// MaxBytes caps the message size; 0 means 16 MiB.
	MaxBytes int64
	// MaxDepth caps the element nesting depth; 0 means 64.
	MaxDepth int
	// MaxAttrBytes caps one attribute's size; 0 means 64 KiB.
	MaxAttrBytes int
}
