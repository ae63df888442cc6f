package config

// Places maps each setting's name to the pointers into c that Load fills for it; a row
// without a destination maps to nil.
func Places(c *Config) map[string][]any {
	m := make(map[string][]any, len(settings))
	for _, s := range settings {
		if s.to != nil {
			m[s.Name] = s.to(c).places()
		} else {
			m[s.Name] = nil
		}
	}
	return m
}
