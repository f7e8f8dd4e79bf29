package fedavail

// Limits bound what fedavail's XML readers accept from the network, before
// any parsing: the size of a message, its nesting depth, the size of one
// attribute and the number of namespace declarations (per element, in scope
// at once, in the whole message — what makes namespace handling cost
// declarations × elements). Document type and entity declarations are
// refused whatever the limits ([ErrDTD]); exceeding a limit is a
// [*LimitError]. Zero fields take the defaults, far above what a real
// Autodiscover, EWS or WS-Trust message needs and far below what hurts a
// server: 16 MiB, depth 64, 64 KiB, and 64, 256 and 4096 declarations.
type Limits struct {
	// MaxBytes caps the message size; 0 means 16 MiB.
	MaxBytes int64
	// MaxDepth caps the element nesting depth; 0 means 64.
	MaxDepth int
	// MaxAttrBytes caps one attribute's size; 0 means 64 KiB.
	MaxAttrBytes int
	// MaxDeclsPerElement caps the namespace declarations (xmlns and
	// xmlns:prefix attributes) of one start tag; 0 means 64.
	MaxDeclsPerElement int
	// MaxDeclsInScope caps the declarations in scope at once, an
	// element's and its ancestors'; 0 means 256.
	MaxDeclsInScope int
	// MaxDecls caps the declarations of the whole message; 0 means 4096.
	MaxDecls int
}
