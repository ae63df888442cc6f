package graph

import "latchkey/account"

// Resolver is the root of the GraphQL resolvers: it holds what they depend on.
type Resolver struct {
	Accounts *account.Service
}
