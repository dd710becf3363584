package fhircheck

import (
	"encoding/json"
	"fmt"
	"strings"
)

// node is one JSON value of a document that is already known to be well-formed. Objects keep
// their members in document order, and duplicates, which encoding/json would silently merge.
type node struct {
	kind  byte     // '{' object, '[' array, '"' string, '0' number, 'b' boolean, 'n' null
	text  string   // a string's value or a number's literal
	keys  []string // an object's member names, in order
	vals  []*node  // an object's member values, or an array's items
	raw   []byte   // the value as it stands in the document
	truth bool     // a boolean's value
}

// member returns the value of the first member called name, or nil.
func (n *node) member(name string) *node {
	for i, k := range n.keys {
		if k == name {
			return n.vals[i]
		}
	}
	return nil
}

// describe names what a value is, for messages: "a string", "an object", "null".
func (n *node) describe() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "the number " + clip(n.text, 40)
	case 'b':
		return fmt.Sprintf("%t", n.truth)
	}
	return "null"
}

// parse reads data, which must have passed json.Unmarshal's own check (so it is one well-formed
// value nested at most 10,000 deep), into a tree of nodes.
func parse(data []byte) *node {
	p := &parser{data: data}
	return p.value()
}

// parser reads a well-formed JSON document; it relies on that and checks nothing.
type parser struct {
	data []byte
	pos  int
	slab []node // nodes are taken from here, a block at a time
}

// value reads the value at pos and leaves pos after it.
func (p *parser) value() *node {
	p.space()
	start := p.pos
	if len(p.slab) == 0 {
		p.slab = make([]node, 256)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	switch c := p.data[p.pos]; c {
	case '{', '[':
		n.kind = c
		p.pos++
		p.space()
		for p.data[p.pos] != c+2 { // '}' is '{'+2, ']' is '['+2
			if c == '{' {
				n.keys = append(n.keys, p.str())
				p.space()
				p.pos++ // ':'
			}
			n.vals = append(n.vals, p.value())
			p.space()
			if p.data[p.pos] == ',' {
				p.pos++
				p.space()
			}
		}
		p.pos++
	case '"':
		n.kind, n.text = '"', p.str()
	case 't':
		n.kind, n.truth = 'b', true
		p.pos += len("true")
	case 'f':
		n.kind = 'b'
		p.pos += len("false")
	case 'n':
		n.kind = 'n'
		p.pos += len("null")
	default:
		for p.pos < len(p.data) && strings.IndexByte("+-0123456789.eE", p.data[p.pos]) >= 0 {
			p.pos++
		}
		n.kind, n.text = '0', string(p.data[start:p.pos])
	}
	n.raw = p.data[start:p.pos]
	return n
}

// space skips whitespace.
func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

// str reads the string at pos.
func (p *parser) str() string {
	start, escaped := p.pos, false
	for p.pos++; p.data[p.pos] != '"'; p.pos++ {
		if p.data[p.pos] == '\\' {
			escaped = true
			p.pos++
		}
	}
	p.pos++
	raw := p.data[start:p.pos]
	if !escaped {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // well-formed, so it cannot fail
	return s
}
