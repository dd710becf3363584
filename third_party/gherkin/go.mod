module github.com/cucumber/gherkin/go/v26

require github.com/cucumber/messages/go/v21 v21.0.1

require (
	github.com/gofrs/uuid v4.3.1+incompatible // indirect
	github.com/stretchr/testify v1.8.2 // indirect
)

go 1.19
