// The located YAML reading the configuration shares with the site mapping files (target YAMLReading), under the
// names the engine has always used.

import YAMLReading

/// One problem in a configuration file: `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`.
public typealias ConfigurationIssue = YAMLReading.ConfigurationIssue
/// Every problem found in a configuration file.
public typealias ConfigurationError = YAMLReading.ConfigurationError
/// One mapping of the configuration being read.
typealias MappingReader = YAMLMappingReader
