module github.com/konform/konform

go 1.26.8

require (
	github.com/agnivade/levenshtein v1.2.1
	github.com/cucumber/gherkin/go/v26 v26.2.0
	github.com/cucumber/godog v0.15.1
	github.com/cucumber/messages/go/v21 v21.0.1
	github.com/go-resty/resty/v2 v2.17.2
	github.com/gofhir/fhirpath v1.4.0
	github.com/google/uuid v1.6.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jstemmer/go-junit-report/v2 v2.1.0
	github.com/samply/golang-fhir-models/fhir-models v0.3.2
	github.com/spf13/cobra v1.9.1
	golang.org/x/term v0.34.0
	gopkg.in/yaml.v3 v3.0.1
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	github.com/antlr4-go/antlr/v4 v4.13.1 // indirect
	github.com/buger/jsonparser v1.1.1 // indirect
	github.com/gofrs/uuid v4.3.1+incompatible // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/shopspring/decimal v1.4.0 // indirect
	github.com/spf13/pflag v1.0.7 // indirect
	golang.org/x/crypto v0.41.0 // indirect
	golang.org/x/exp v0.0.0-20240506185415-9bf2ced13842 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
)

replace github.com/cucumber/godog => ./third_party/godog

replace github.com/cucumber/gherkin/go/v26 => ./third_party/gherkin
