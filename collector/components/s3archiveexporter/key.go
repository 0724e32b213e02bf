package s3archiveexporter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// strftimeVerbs are the conversions partition_format understands. A small, fixed set written here rather
// than a strftime library: partition keys only need calendar fields, and refusing anything else at
// config-validation time beats writing a literal "%q" into millions of keys.
var strftimeVerbs = map[byte]func(t time.Time) string{
	'Y': func(t time.Time) string { return fmt.Sprintf("%04d", t.Year()) },
	'y': func(t time.Time) string { return fmt.Sprintf("%02d", t.Year()%100) },
	'm': func(t time.Time) string { return fmt.Sprintf("%02d", int(t.Month())) },
	'd': func(t time.Time) string { return fmt.Sprintf("%02d", t.Day()) },
	'j': func(t time.Time) string { return fmt.Sprintf("%03d", t.YearDay()) },
	'H': func(t time.Time) string { return fmt.Sprintf("%02d", t.Hour()) },
	'M': func(t time.Time) string { return fmt.Sprintf("%02d", t.Minute()) },
	'S': func(t time.Time) string { return fmt.Sprintf("%02d", t.Second()) },
	's': func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) },
	'F': func(t time.Time) string { return t.Format("2006-01-02") },
	'%': func(time.Time) string { return "%" },
}

// checkStrftime rejects a pattern with a conversion strftimeVerbs does not know, or a trailing `%`.
func checkStrftime(pattern string) error {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '%' {
			continue
		}
		if i+1 == len(pattern) {
			return fmt.Errorf("%q ends with a lone %%", pattern)
		}
		if _, ok := strftimeVerbs[pattern[i+1]]; !ok {
			return fmt.Errorf("%q uses %%%c; supported: %%Y %%y %%m %%d %%j %%H %%M %%S %%s %%F %%%%", pattern, pattern[i+1])
		}
		i++
	}
	return nil
}

// strftime formats t with a pattern that passed checkStrftime.
func strftime(pattern string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '%' && i+1 < len(pattern) {
			if f, ok := strftimeVerbs[pattern[i+1]]; ok {
				b.WriteString(f(t))
				i++
				continue
			}
		}
		b.WriteByte(pattern[i])
	}
	return b.String()
}

// objectKey builds `<prefix>/<partition>/<signal>_<uuidv7>.<ext>[.gz]`. The unique part is a UUIDv7: its
// leading 48 bits are the millisecond timestamp, so a partition lists in write order, and its 74 random
// bits keep several collectors writing to the same partition from ever overwriting each other.
func objectKey(cfg *Config, signal string, now time.Time) (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	ext := "json"
	if cfg.Marshaler == MarshalerOTLPProto {
		ext = "binpb"
	}
	if cfg.Compression == CompressionGzip {
		ext += ".gz"
	}
	segments := make([]string, 0, 3)
	if p := strings.Trim(cfg.Prefix, "/"); p != "" {
		segments = append(segments, p)
	}
	if p := strings.Trim(strftime(cfg.PartitionFormat, now.UTC()), "/"); p != "" {
		segments = append(segments, p)
	}
	segments = append(segments, fmt.Sprintf("%s_%s.%s", signal, id, ext))
	return strings.Join(segments, "/"), nil
}
