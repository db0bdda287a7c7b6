package ingest

import (
	"fmt"
	"strings"
)

// The diagnosis code systems a Fact may name.
const (
	ICD9  = "ICD9"
	ICD10 = "ICD10"
)

// NormalizeICD returns an ICD code in dotted form ("I2720" gives "I27.20",
// "4160" gives "416.0", "E8889" gives "E888.9") and its system. system may
// name the system ("ICD10", "10", "ICD-10-CM", "9", ...) or be empty, in
// which case the code's shape decides: digits first, or E and three digits
// of which the first is 8 or 9 (ICD-9 E codes run E800-E999), mean ICD-9;
// otherwise ICD-10. A dot already in the code settles E codes: "E84.9" is
// ICD-10 and "E849.0" ICD-9.
func NormalizeICD(code, system string) (dotted, sys string, err error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	dot := strings.IndexByte(c, '.')
	raw := strings.ReplaceAll(c, ".", "")
	if sys, err = icdSystem(system); err != nil {
		return "", "", err
	}
	if sys == "" {
		sys = icdShape(raw, dot)
	}
	if !validICD(raw, sys) {
		return "", "", fmt.Errorf("not an %s code", sys)
	}
	cut := 3
	if sys == ICD9 && raw[0] == 'E' {
		cut = 4
	}
	if len(raw) <= cut {
		return raw, sys, nil
	}
	return raw[:cut] + "." + raw[cut:], sys, nil
}

// icdSystem reads a code system name; "" stays "".
func icdSystem(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "", " ", "", "_", "").Replace(s)
	switch s {
	case "":
		return "", nil
	case "ICD10", "10", "ICD10CM", "ICD10PCS":
		return ICD10, nil
	case "ICD9", "9", "ICD9CM":
		return ICD9, nil
	}
	return "", fmt.Errorf("unknown code system")
}

// icdShape tells ICD-9 from ICD-10 by the shape of an undotted code; dot is
// where the original had its dot, or -1.
func icdShape(raw string, dot int) string {
	switch {
	case raw == "":
		return ICD10
	case isDigit(raw[0]):
		return ICD9
	case raw[0] != 'E' || len(raw) < 4 || !allDigits(raw[1:4]):
		return ICD10
	case dot == 3:
		return ICD10
	case dot == 4:
		return ICD9
	case raw[1] == '8' || raw[1] == '9':
		return ICD9
	}
	return ICD10
}

// validICD checks the characters of an undotted code.
func validICD(raw, sys string) bool {
	if len(raw) < 3 || len(raw) > 7 {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if !isDigit(raw[i]) && (raw[i] < 'A' || raw[i] > 'Z') {
			return false
		}
	}
	if sys == ICD10 {
		return raw[0] >= 'A' && raw[0] <= 'Z' && isDigit(raw[1])
	}
	switch raw[0] {
	case 'V':
		return len(raw) <= 5 && allDigits(raw[1:])
	case 'E':
		return len(raw) >= 4 && len(raw) <= 5 && allDigits(raw[1:])
	}
	return len(raw) <= 5 && allDigits(raw)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
