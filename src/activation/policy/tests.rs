//! Table-driven tests of the eligibility rules: every reason code alone, several together, the happy path.
