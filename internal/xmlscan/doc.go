// Package xmlscan is the byte-level XML reader behind both sides of the ews
// package: the availability server decodes requests with it and the client
// decodes answers with it. Both were dominated by encoding/xml's tokenizer,
// which reads a byte at a time through an io.ByteReader and allocates a
// string per name and value.
//
// A [Reader] scans a document held in memory and accepts and refuses
// exactly what encoding/xml's Decoder.Token does in its default strict
// mode, returning the same resolved names, attribute values and character
// data. The one exception is directives (<!DOCTYPE and the like), which it
// refuses, as xmlguard.Check does. Names and text are slices of the document (or of the Reader's
// buffers) until the caller asks for strings, and the strings it makes for
// names, namespaces and short attribute values are interned, so that a
// Reader reused from document to document stops allocating for them.
//
// Because it refuses what encoding/xml refuses, a caller needs no second
// parser for correctness; one may still hand malformed input to encoding/xml
// for its error message, as the client does. Safety limits (size, depth,
// attribute size, namespace declarations, DTDs) are enforced by a Reader
// started with [Reader.ResetLimits] as it reads, with xmlguard.Check's
// errors, so that a single pass does both; one started with Reset leaves
// them to a Check run first.
//
// The package's differential test and FuzzScanner hold the token stream to
// encoding/xml's; the ews package's differential tests and fuzz targets
// hold the decoders built on it to encoding/xml's Unmarshal.
//
// The common case is scanned a word at a time: runs of printable ASCII text
// and attribute values sixteen bytes per step, names eight (BenchmarkReader
// measures it on a real request and answer). Characters beyond ASCII are
// checked in a pass of their own, and references and carriage returns send
// a run down the general path, which follows encoding/xml rule by rule.
//
// Files: scanner.go tokenizes tags, text.go character data and references,
// names.go names (nametables.go holds encoding/xml's tables of name
// characters), markup.go comments, processing instructions and CDATA;
// reader.go resolves namespaces and interns strings, walk.go walks
// elements.
package xmlscan
