package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the claims of an NLL access token, as the agency's decoded examples show them. The
// role derives from them: a FORSKRIVARKOD makes a prescriber, an APOTEKSID a pharmacist.
type Claims struct {
	Forskrivarkod string   `json:"FORSKRIVARKOD,omitempty"`
	Vardgivare    string   `json:"VARDGIVARE,omitempty"`
	Yrkeskod      []string `json:"YRKESKOD,omitempty"`
	Apoteksid     string   `json:"APOTEKSID,omitempty"`
	LoA           int      `json:"loa"`
	// Subject names the user, for Provenance.agent.
	Subject string `json:"sub,omitempty"`
	// Expires is the expiry as Unix seconds.
	Expires int64 `json:"exp"`
}

// Roles derived from token claims.
const (
	RolePrescriber = "FORSKRIVARE"
	RolePharmacist = "FARMACEUT"
)

// Role returns the role the claims give, or "" when they give none.
func (c Claims) Role() string {
	switch {
	case c.Forskrivarkod != "":
		return RolePrescriber
	case c.Apoteksid != "":
		return RolePharmacist
	}
	return ""
}

// PrescriberClaims are the claims of the agency's prescriber example: förskrivarkod 9000027, a
// physician (LK) at vårdgivare 0123456789, assurance level 3.
func PrescriberClaims(now time.Time) Claims {
	return Claims{Forskrivarkod: "9000027", Vardgivare: "0123456789", Yrkeskod: []string{"LK"}, LoA: 3,
		Subject: "Test Doktorsson", Expires: now.Add(12 * time.Hour).Unix()}
}

// PharmacistClaims are the claims of a pharmacist at the test pharmacy GLN 7350045511999.
func PharmacistClaims(now time.Time) Claims {
	return Claims{Apoteksid: "7350045511999", Yrkeskod: []string{"AP"}, LoA: 3,
		Subject: "Test Farmaceutsson", Expires: now.Add(12 * time.Hour).Unix()}
}

// tokenKey signs the simulator's test tokens. The agency's token service and format are not
// public; the simulator uses a JWT signed with HS256 under a key of its own.
type tokenKey []byte

// Token issues a test access token for claims. Tokens are JWTs signed with the simulator's key;
// they mean nothing anywhere else.
func (s *Simulator) Token(c Claims) string {
	header := b64(`{"alg":"HS256","typ":"JWT"}`)
	payload, _ := json.Marshal(c)
	unsigned := header + "." + b64(string(payload))
	return unsigned + "." + s.key.sign(unsigned)
}

func (k tokenKey) sign(unsigned string) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(unsigned))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var errTokenFormat = errors.New("the token is not a JWT signed by this simulator")

// parse checks a token's signature and expiry (each unless told not to, for the defect
// catalogue) and returns its claims.
func (k tokenKey) parse(token string, now time.Time, checkSignature, checkExpiry bool) (Claims, error) {
	var c Claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errTokenFormat
	}
	if checkSignature && !hmac.Equal([]byte(k.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return c, errTokenFormat
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errTokenFormat
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errTokenFormat
	}
	if checkExpiry && c.Expires == 0 {
		return c, errors.New("the token has no expiry (exp)")
	}
	if checkExpiry && now.Unix() > c.Expires {
		return c, fmt.Errorf("the token expired at %s", time.Unix(c.Expires, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}
