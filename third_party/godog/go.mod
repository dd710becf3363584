module github.com/cucumber/godog

go 1.16

require (
	github.com/cucumber/gherkin/go/v26 v26.2.0
	github.com/spf13/pflag v1.0.7
	github.com/stretchr/testify v1.8.2
)

require (
	github.com/cucumber/messages/go/v21 v21.0.1
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)
