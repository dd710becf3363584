package config

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ProductionIssuers are the CAs that issue the agency's production client certificates (the
// handbook's certificate page). A certificate from one of them is never used against a test
// environment (the agency's requirement 3.7.1: production and test are kept apart).
var ProductionIssuers = []string{
	"SITHS Type 3 CA v1",
	"SITHS e-id Root CA v2",
	"SITHS e-id Function CA v1",
	"Steria AB EID CA v2",
	"ExpiTrust EID CA v4",
}

// CheckIssuer refuses a client certificate issued, anywhere in its chain, by a production CA: the
// built-in list or the environment's production_issuers. It reads every attribute (every CN, O,
// OU, …) of the leaf's issuer and of each chain certificate's subject and issuer, and compares
// names normalised (normalName: spaces trimmed and collapsed, invisible characters dropped, case
// folded), so a trailing space, a second CN or the name in another attribute does not hide a
// production CA. Names are compared whole: "TEST SITHS e-id Function CA v1" is not
// "SITHS e-id Function CA v1".
func (e Environment) CheckIssuer(source string, leaf *x509.Certificate, chain []*x509.Certificate) error {
	production := map[string]string{} // normalised name → the name as listed
	for _, n := range append(append([]string{}, ProductionIssuers...), e.ProductionIssuers...) {
		if k := normalName(n); k != "" {
			production[k] = strings.TrimSpace(n)
		}
	}
	refuse := func(name pkix.Name, where string) error {
		for _, atv := range name.Names {
			v, ok := atv.Value.(string)
			if !ok {
				v = fmt.Sprint(atv.Value)
			}
			if p, hit := production[normalName(v)]; hit {
				return fmt.Errorf("client certificate %s is issued by the production CA %q (named in %s); %s is a test environment and needs a test certificate (for example from TEST SITHS e-id Function CA v1 or ExpiTrust test CA v7)", source, p, where, e.Name)
			}
		}
		return nil
	}
	if leaf != nil {
		if err := refuse(leaf.Issuer, "the certificate's issuer"); err != nil {
			return err
		}
	}
	for _, c := range chain {
		if c == nil {
			continue
		}
		if err := refuse(c.Subject, "the subject of a chain certificate"); err != nil {
			return err
		}
		if err := refuse(c.Issuer, "the issuer of a chain certificate"); err != nil {
			return err
		}
	}
	return nil
}

// normalName is the form names are compared in: spaces, control and format characters (such as
// a zero-width space) separate words, words are joined by one space, and case is folded.
func normalName(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
	})
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, r := range w {
			b.WriteRune(foldRune(r))
		}
	}
	return b.String()
}

// foldRune maps r to the smallest rune of its case-folding orbit, so that runes equal under
// Unicode simple case folding map to the same rune (as strings.EqualFold compares them).
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return least
}

// CheckURL refuses a base URL on the environment's deny list (deny_urls: parts of URLs, such as
// the production host names from the agency's information sheet). Entries and the base URL are
// compared without surrounding spaces, in lower case, and also with a host's trailing dot and the
// default port dropped, so https://nll.prod.example.se:443/ matches nll.prod.example.se.
func (e Environment) CheckURL() error {
	base := strings.ToLower(strings.TrimSpace(e.BaseURL))
	canonBase := canonicalURL(base)
	for _, d := range e.DenyURLs {
		deny := strings.ToLower(strings.TrimSpace(d))
		if deny == "" {
			continue
		}
		if strings.Contains(base, deny) || strings.Contains(canonBase, canonicalURL(deny)) {
			return fmt.Errorf("environment %s: base_url %s matches %q on the deny list; konform never connects to it", e.Name, e.BaseURL, strings.TrimSpace(d))
		}
	}
	return nil
}

// canonicalURL drops a host's trailing dot and the scheme's default port from an absolute URL;
// anything else comes back unchanged.
func canonicalURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	host, port := strings.TrimSuffix(u.Hostname(), "."), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	out := u.Scheme + "://" + host + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}
