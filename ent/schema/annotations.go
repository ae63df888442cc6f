package schema

// ReadByID asks the code generator for a reader of the entity by id whose SQL text is built
// once (ent/template/byid.tmpl), for an entity read on every request.
type ReadByID struct{}

// Name is the annotation's key in the generated graph.
func (ReadByID) Name() string { return "ReadByID" }
