package ollamatest

// Fault is a way for the fake server to fail one /api/chat call, each as a
// real Ollama server (or the network) shows it.
type Fault int

// The faults the fake server can inject.
const (
	FaultNone      Fault = iota
	FaultBusy            // HTTP 503 "server busy", as when the server's queue is full
	FaultCrash           // HTTP 500 "llama runner process has terminated"
	FaultSlow            // no answer until the client gives up (see WithSlowDelay)
	FaultReset           // the connection is closed with no answer
	FaultMalformed       // a complete answer whose content is not valid JSON
	FaultSchema          // valid JSON that breaks the schema: an empty object
	FaultLength          // an answer cut off at num_predict: done_reason "length"
	FaultGarbled         // a response line that is not JSON at all
)

var faultNames = [...]string{
	"none", "busy", "crash", "slow", "reset", "malformed", "schema", "length", "garbled",
}

// String returns the fault's short name.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(?)"
}
