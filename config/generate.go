package config

//go:generate go -C .. run ./cmd/settingsdoc README.md .env.example
