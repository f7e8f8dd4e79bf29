package soap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
)

// genericNode is a namespace-resolved element tree, used for fault details
// whose content is not fixed by SOAP.
type genericNode struct {
	XMLName  xml.Name
	Attr     []xml.Attr    `xml:",any,attr"`
	Text     string        `xml:",chardata"`
	Children []genericNode `xml:",any"`
	Inner    []byte        `xml:",innerxml"`
}

func (n *genericNode) child(local string) *genericNode {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == local {
			return &n.Children[i]
		}
	}
	return nil
}

// decodeFault reads a Fault element of either version into a *fedavail.Fault.
func decodeFault(el *Element, v Version) (*fedavail.Fault, error) {
	var n genericNode
	if err := el.Decode(&n); err != nil {
		return nil, err
	}
	prefixes := prefixMap(el)
	f := &fedavail.Fault{SOAPVersion: v.String()}
	var detail *genericNode
	if v == V11 {
		if c := n.child("faultcode"); c != nil {
			f.CodeNamespace, f.Code = resolveQName(strings.TrimSpace(c.Text), prefixes)
		}
		if c := n.child("faultstring"); c != nil {
			f.Reason = strings.TrimSpace(c.Text)
		}
		if c := n.child("faultactor"); c != nil {
			f.Actor = strings.TrimSpace(c.Text)
		}
		detail = n.child("detail")
	} else {
		code := n.child("Code")
		if code == nil {
			return nil, &fedavail.XMLError{Context: "SOAP 1.2 fault", Err: fmt.Errorf("no Code")}
		}
		if val := code.child("Value"); val != nil {
			f.CodeNamespace, f.Code = resolveQName(strings.TrimSpace(val.Text), prefixes)
		}
		for sub := code.child("Subcode"); sub != nil; sub = sub.child("Subcode") {
			if val := sub.child("Value"); val != nil {
				_, local := resolveQName(strings.TrimSpace(val.Text), prefixes)
				f.Subcodes = append(f.Subcodes, local)
			}
		}
		if r := n.child("Reason"); r != nil {
			if t := r.child("Text"); t != nil {
				f.Reason = strings.TrimSpace(t.Text)
			}
		}
		if r := n.child("Role"); r != nil {
			f.Actor = strings.TrimSpace(r.Text)
		}
		detail = n.child("Detail")
	}
	if f.Code == "" {
		return nil, &fedavail.XMLError{Context: "SOAP fault", Err: fmt.Errorf("no fault code")}
	}
	if detail != nil {
		f.Detail = bytes.TrimSpace(detail.Inner)
		readEWSDetail(detail, f)
	}
	return f, nil
}

// readEWSDetail picks the EWS error fields out of a fault detail. EWS puts
// ResponseCode and Message in the errors namespace and MessageXml in the
// types namespace; local names are matched so that Autodiscover's variants
// are read too.
func readEWSDetail(detail *genericNode, f *fedavail.Fault) {
	if c := detail.child("ResponseCode"); c != nil {
		f.ResponseCode = strings.TrimSpace(c.Text)
	}
	if c := detail.child("Message"); c != nil {
		f.Message = strings.TrimSpace(c.Text)
	}
	if mx := detail.child("MessageXml"); mx != nil {
		f.Values = messageXMLValues(mx.Children)
	}
}

// messageXMLValues collects <Value Name="...">text</Value> children (EWS MessageXml).
func messageXMLValues(children []genericNode) map[string]string {
	var out map[string]string
	for _, c := range children {
		if c.XMLName.Local != "Value" {
			continue
		}
		for _, a := range c.Attr {
			if a.Name.Local == "Name" && a.Name.Space == "" {
				if out == nil {
					out = map[string]string{}
				}
				out[a.Value] = strings.TrimSpace(c.Text)
			}
		}
	}
	return out
}

func prefixMap(el *Element) map[string]string {
	m := map[string]string{}
	for _, a := range el.Scope.Declarations() {
		m[declPrefix(a)] = a.Value
	}
	// Declarations inside the fault (commonly on the code element itself) are
	// found by a raw scan, since encoding/xml resolves them away.
	d := xml.NewDecoder(bytes.NewReader(el.Raw))
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" {
					if _, dup := m[a.Name.Local]; !dup {
						m[a.Name.Local] = a.Value
					}
				}
			}
		}
	}
	return m
}

func resolveQName(q string, prefixes map[string]string) (space, local string) {
	if i := strings.IndexByte(q, ':'); i >= 0 {
		return prefixes[q[:i]], q[i+1:]
	}
	return prefixes[""], q
}

// FaultBytes renders f as a complete SOAP envelope of version v. Code is
// written in the envelope namespace unless CodeNamespace says otherwise; an
// EWS ResponseCode, Message and Values go into the detail the way Exchange
// writes them.
func FaultBytes(v Version, f *fedavail.Fault) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	fmt.Fprintf(&b, `<s:Envelope xmlns:s="%s"><s:Body><s:Fault>`, v.Namespace())
	code := f.Code
	if code == "" {
		code = "Server"
		if v == V12 {
			code = "Receiver"
		}
	}
	codeQ := "s:" + code
	codeDecl := ""
	if f.CodeNamespace != "" && f.CodeNamespace != v.Namespace() {
		codeQ = "c:" + code
		codeDecl = fmt.Sprintf(` xmlns:c="%s"`, escapeAttr(f.CodeNamespace))
	}
	if v == V11 {
		fmt.Fprintf(&b, `<faultcode%s>%s</faultcode><faultstring xml:lang="en-US">%s</faultstring>`, codeDecl, codeQ, esc(f.Reason))
		if f.Actor != "" {
			fmt.Fprintf(&b, `<faultactor>%s</faultactor>`, esc(f.Actor))
		}
		writeDetail(&b, "detail", f)
	} else {
		fmt.Fprintf(&b, `<s:Code><s:Value%s>%s</s:Value>`, codeDecl, codeQ)
		for _, sc := range f.Subcodes {
			fmt.Fprintf(&b, `<s:Subcode><s:Value>%s</s:Value>`, esc(sc))
		}
		for range f.Subcodes {
			b.WriteString(`</s:Subcode>`)
		}
		fmt.Fprintf(&b, `</s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>`, esc(f.Reason))
		if f.Actor != "" {
			fmt.Fprintf(&b, `<s:Role>%s</s:Role>`, esc(f.Actor))
		}
		writeDetail(&b, "s:Detail", f)
	}
	b.WriteString(`</s:Fault></s:Body></s:Envelope>`)
	return b.Bytes()
}

func writeDetail(b *bytes.Buffer, name string, f *fedavail.Fault) {
	if f.ResponseCode == "" && len(f.Detail) == 0 {
		return
	}
	fmt.Fprintf(b, "<%s>", name)
	if f.ResponseCode != "" {
		fmt.Fprintf(b, `<e:ResponseCode xmlns:e="%s">%s</e:ResponseCode>`, ns.EWSErrors, esc(f.ResponseCode))
		msg := f.Message
		if msg == "" {
			msg = f.Reason
		}
		fmt.Fprintf(b, `<e:Message xmlns:e="%s">%s</e:Message>`, ns.EWSErrors, esc(msg))
		if len(f.Values) > 0 {
			names := make([]string, 0, len(f.Values))
			for k := range f.Values {
				names = append(names, k)
			}
			sort.Strings(names)
			fmt.Fprintf(b, `<t:MessageXml xmlns:t="%s">`, ns.EWSTypes)
			for _, k := range names {
				fmt.Fprintf(b, `<t:Value Name="%s">%s</t:Value>`, escapeAttr(k), esc(f.Values[k]))
			}
			b.WriteString(`</t:MessageXml>`)
		}
	} else {
		b.Write(f.Detail)
	}
	fmt.Fprintf(b, "</%s>", name)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// WriteFault answers an HTTP request with f as a SOAP fault of version v and
// status 500 (unless f.HTTPStatus sets another).
func WriteFault(w http.ResponseWriter, v Version, f *fedavail.Fault) {
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", v.ContentType(""))
	w.WriteHeader(status)
	_, _ = w.Write(FaultBytes(v, f))
}

// MessageXML and MessageValue are fedavail's, exported there so that
// public response types can carry them.
type (
	MessageXML   = fedavail.MessageXML
	MessageValue = fedavail.MessageValue
)
