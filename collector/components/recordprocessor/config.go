package recordprocessor

// Config is the `tracebridge_record` processor's configuration.
//
//	processors:
//	  tracebridge_record:
//	    environment: ${env:TRACEBRIDGE_ENVIRONMENT:-}
type Config struct {
	// Environment is the resource attribute `deployment.environment.name` of every record; left out when
	// empty (the default). The collector has no per-agent options, so the file route takes it from the
	// collector's environment (TRACEBRIDGE_ENVIRONMENT, the variable the logger reads).
	Environment string `mapstructure:"environment"`
}

// Validate accepts every configuration: the one setting is free text.
func (*Config) Validate() error {
	return nil
}
