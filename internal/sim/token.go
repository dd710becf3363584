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
	// Personnummer is a private person's own personnummer (TA 01: a private person logged in at
	// a pharmacy's web shop). The agency's claim for it is not public; this is the simulator's.
	Personnummer string `json:"PERSONNUMMER,omitempty"`
	LoA          int    `json:"loa"`
	// Subject names the user, for Provenance.agent.
	Subject string `json:"sub,omitempty"`
	// Expires is the expiry as Unix seconds.
	Expires int64 `json:"exp"`
}

// Roles derived from token claims: the behörighetsroller of the agency's security solution
// (HB Behörighetsstyrning) that the simulator knows. How NLL's token service derives them from
// the Sambi attributes is not public; the simulator's rules are in Claims.Role.
const (
	RolePrescriber     = "FORSKRIVARE"     // förskrivare
	RolePharmacist     = "FARMACEUT"       // farmaceut på apotek
	RoleNurse          = "SJUKSKOTERSKA"   // sjuksköterska utan förskrivningsrätt
	RoleCarePharmacist = "FARMACEUT_VARD"  // farmaceut inom hälso- och sjukvård
	RoleDietitian      = "DIETIST"         // dietist
	RolePharmacyStaff  = "APOTEKSPERSONAL" // icke-legitimerad apotekspersonal
	RolePrivate        = "PRIVATPERSON"    // privatperson, the patient (TA 01)
)

// Role returns the role the claims give, or "" when they give none: a FORSKRIVARKOD makes a
// prescriber; an APOTEKSID a pharmacist when the YRKESKOD is apotekare (AP) or receptarie (RC),
// else non-licensed pharmacy staff; a VARDGIVARE without FORSKRIVARKOD a nurse (SJ), a pharmacist
// in care (AP, RC) or a dietitian (DT).
func (c Claims) Role() string {
	has := func(codes ...string) bool {
		for _, y := range c.Yrkeskod {
			for _, code := range codes {
				if y == code {
					return true
				}
			}
		}
		return false
	}
	switch {
	case c.Forskrivarkod != "":
		return RolePrescriber
	case c.Apoteksid != "" && has("AP", "RC"):
		return RolePharmacist
	case c.Apoteksid != "":
		return RolePharmacyStaff
	case c.Vardgivare != "" && has("SJ"):
		return RoleNurse
	case c.Vardgivare != "" && has("AP", "RC"):
		return RoleCarePharmacist
	case c.Vardgivare != "" && has("DT"):
		return RoleDietitian
	case c.Personnummer != "":
		return RolePrivate
	}
	return ""
}

// roleInfo is what the simulator knows of a role.
type roleInfo struct {
	purpose string // the purpose (x-purpose) it reads with
	orgType string // the kind of workplace id its x-org-info carries: HSA (care) or GLN (pharmacy)
	writes  bool   // may change a patient's medication list (within each resource's own rules)
}

// roles are the roles the simulator knows. Health care staff without prescribing rights and
// non-licensed pharmacy staff may read the list (the agency: "viss hälso- och sjukvårdspersonal
// utan förskrivningsrätt, exempelvis sjuksköterskor, farmaceuter i hälso- och sjukvården samt
// dietister" see it); that they change nothing is the simulator's default.
var roles = map[string]roleInfo{
	RolePrescriber:     {purpose: "VARD", orgType: "HSA", writes: true},
	RolePharmacist:     {purpose: "EXPEDIERING", orgType: "GLN", writes: true},
	RoleNurse:          {purpose: "VARD", orgType: "HSA"},
	RoleCarePharmacist: {purpose: "VARD", orgType: "HSA"},
	RoleDietitian:      {purpose: "VARD", orgType: "HSA"},
	RolePharmacyStaff:  {purpose: "EXPEDIERING", orgType: "GLN"},
	// A private person reads through a pharmacy's web shop (TA 01 is apoteksspecifik), with no
	// purpose of its own: which x-purpose and x-access such a call carries is not public.
	RolePrivate: {orgType: "GLN"},
}

// RoleClaims are test claims that give role: the prescriber's and pharmacist's of
// PrescriberClaims and PharmacistClaims, for the other staff roles a test user of the same care
// unit or pharmacy with the matching YRKESKOD, and for a private person a fixture patient.
func RoleClaims(role string, now time.Time) Claims {
	exp := now.Add(12 * time.Hour).Unix()
	switch role {
	case RolePharmacist:
		return PharmacistClaims(now)
	case RoleNurse:
		return Claims{Vardgivare: "0123456789", Yrkeskod: []string{"SJ"}, LoA: 3, Subject: "Test Sjuksköterskesson", Expires: exp}
	case RoleCarePharmacist:
		return Claims{Vardgivare: "0123456789", Yrkeskod: []string{"AP"}, LoA: 3, Subject: "Test Vårdfarmaceutsson", Expires: exp}
	case RoleDietitian:
		return Claims{Vardgivare: "0123456789", Yrkeskod: []string{"DT"}, LoA: 3, Subject: "Test Dietistsson", Expires: exp}
	case RolePharmacyStaff:
		return Claims{Apoteksid: "7350045511999", LoA: 3, Subject: "Test Apotekstekniksson", Expires: exp}
	case RolePrivate:
		// A test personnummer of Skatteverket's series, one of the fixtures' patients; a scenario
		// acting as a private person is its own test patient instead.
		return Claims{Personnummer: "189001019802", LoA: 3, Subject: "Test Privatpersonsson", Expires: exp}
	}
	return PrescriberClaims(now)
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
