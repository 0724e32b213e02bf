package redactprocessor

import (
	"errors"
	"fmt"
	"regexp"
)

// DefaultReplacement is the text a secret is replaced with, the logger's.
const DefaultReplacement = "[REDACTED]"

// Config is the `tracebridge_redact` processor's configuration. The lists have no defaults: the
// collector's config.yaml states the logger's, where test/security-redaction.test.ts compares them.
type Config struct {
	// Replacement replaces a sensitive value, or a matched substring. Default "[REDACTED]".
	Replacement string `mapstructure:"replacement"`
	// Names: a key with a segment (between dots) that is one of these, once normalised (lower case,
	// letters and digits only: `Set-Cookie` → `setcookie`), has its value replaced whatever its type.
	Names []string `mapstructure:"names"`
	// NameParts: a key whose last segment, normalised, contains one of these has its value replaced when
	// the value is a string (`prompt_tokens: 12` is a figure, not a credential).
	NameParts []string `mapstructure:"name_parts"`
	// Fold: first key segments under which a record's nested objects were flattened (`context`,
	// `metadata`). Below them, a segment in Names that is not the last folds its whole branch into one
	// attribute holding Replacement (`context.credentials.user`, `.pass` → `context.credentials`), as the
	// logger replaces the whole object.
	Fold []string `mapstructure:"fold"`
	// Patterns replaced inside every string: attribute values at any depth of maps and arrays, and the
	// body. Applied in order. At most 64.
	Patterns []Pattern `mapstructure:"patterns"`
	// Drop: attributes of log records and spans removed outright, whatever their value (exact keys, not
	// normalised): what must never reach a store. The gateway tier drops the agent tier's routing key
	// (`tracebridge.route`, collector/fragments/gateway.yaml) here, because this processor is in every
	// logs and traces pipeline of every backend profile.
	Drop []string `mapstructure:"drop"`
}

// maxPatterns: the patterns a string may hold are found as one 64-bit set.
const maxPatterns = 64

// Pattern is one secret-looking text and the fixed parts that tell where it may be.
type Pattern struct {
	// Regex (RE2) of the secret; every match is replaced, or, when the regex has a group named `secret`
	// (`(?<secret>…)` or `(?P<secret>…)`), only what that group holds.
	Regex string `mapstructure:"regex"`
	// Triggers: a string is only searched when it contains one of these, so every match must contain
	// one, or it is missed. They are found as written, or in any ASCII case when some part of the regex
	// ignores case (`(?i:…)`). Most values (ids, names, short words) hold none, so most records cost no
	// regular expression. Empty: every string is searched.
	Triggers []string `mapstructure:"triggers"`
}

// Validate checks that the configuration names something to redact and that every pattern compiles.
func (c *Config) Validate() error {
	if c.Replacement == "" {
		return errors.New("replacement must not be empty")
	}
	if len(c.Names)+len(c.NameParts)+len(c.Patterns)+len(c.Drop) == 0 {
		return errors.New("nothing to redact: set names, name_parts, patterns or drop")
	}
	for _, k := range c.Drop {
		if k == "" {
			return errors.New("drop: an empty key")
		}
	}
	for _, list := range [][]string{c.Names, c.NameParts} {
		for _, n := range list {
			if normalise(n) == "" {
				return fmt.Errorf("name %q has no letter or digit", n)
			}
		}
	}
	if len(c.Patterns) > maxPatterns {
		return fmt.Errorf("%d patterns: at most %d (join some into one with |)", len(c.Patterns), maxPatterns)
	}
	for _, p := range c.Patterns {
		if _, err := regexp.Compile(p.Regex); err != nil {
			return fmt.Errorf("pattern %q: %w", p.Regex, err)
		}
		for _, t := range p.Triggers {
			if t == "" {
				return fmt.Errorf("pattern %q: an empty trigger would match every string: leave triggers out instead", p.Regex)
			}
		}
	}
	return nil
}
