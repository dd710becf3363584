package config

import (
	"crypto/x509"
	"fmt"
	"strings"
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

// CheckIssuer refuses a client certificate issued, anywhere in its chain, by a production CA:
// the built-in list or the environment's production_issuers.
func (e Environment) CheckIssuer(source string, leaf *x509.Certificate, chain []*x509.Certificate) error {
	names := append(append([]string{}, ProductionIssuers...), e.ProductionIssuers...)
	certs := append([]*x509.Certificate{leaf}, chain...)
	for _, c := range certs {
		for _, n := range names {
			if strings.EqualFold(c.Issuer.CommonName, n) {
				return fmt.Errorf("client certificate %s is issued by the production CA %q; %s is a test environment and needs a test certificate (for example from TEST SITHS e-id Function CA v1 or ExpiTrust test CA v7)", source, n, e.Name)
			}
		}
	}
	return nil
}

// CheckURL refuses a base URL on the environment's deny list (deny_urls: parts of URLs, such as
// the production host names from the agency's information sheet).
func (e Environment) CheckURL() error {
	for _, d := range e.DenyURLs {
		if d != "" && strings.Contains(strings.ToLower(e.BaseURL), strings.ToLower(d)) {
			return fmt.Errorf("environment %s: base_url %s matches %q on the deny list; konform never connects to it", e.Name, e.BaseURL, d)
		}
	}
	return nil
}
