package seal

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cybernorms/cybernorms/internal/platform/config"
)

// Settings say where the master keys come from (see internal/platform/config).
type Settings struct {
	Key             string // the key itself, base64 (CYBERNORMS_MASTER_KEY)
	KeyFile         string // a file holding it
	PreviousKey     string // the key being rotated away from, during a rotation
	PreviousKeyFile string
	DataDir         string // for the fallback DATA_DIR/master.key
}

// DefaultKeyFile is the file name used in DATA_DIR when no key is given.
const DefaultKeyFile = "master.key"

// FromSettings loads the keyring. With neither Key nor KeyFile set, it uses
// DATA_DIR/master.key, creating it (mode 0600) with a new key if missing and
// warning that a production key belongs outside the data folder (a backup of
// the folder would otherwise carry the key next to the data it protects).
func FromSettings(s Settings, log *slog.Logger) (*Keyring, error) {
	cur, err := loadKey(s.Key, s.KeyFile, "master-key")
	if err != nil {
		return nil, err
	}
	if cur == nil {
		path := filepath.Join(s.DataDir, DefaultKeyFile)
		cur, err = readKeyFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			text := Generate()
			if err := os.MkdirAll(s.DataDir, 0o750); err != nil {
				return nil, fmt.Errorf("data-dir: %w", err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, fmt.Errorf("data-dir: cannot create the master key %s (or give --master-key-file): %w", path, err)
			}
			if _, err := f.WriteString(text + "\n"); err != nil {
				f.Close()
				return nil, fmt.Errorf("data-dir: cannot write the master key %s: %w", path, err)
			}
			if err := f.Close(); err != nil {
				return nil, fmt.Errorf("data-dir: cannot write the master key %s: %w", path, err)
			}
			cur, _ = ParseKey(text)
			if log != nil {
				log.Warn("no master key given: generated one in the data folder; in production keep the key outside the data folder and its backups (--master-key-file or CYBERNORMS_MASTER_KEY), and keep a copy: without it sealed fields are lost", "file", path, "master_key_id", KeyID(cur))
			}
		case err != nil:
			return nil, err
		default:
			if log != nil {
				log.Warn("master key read from the data folder; in production keep it elsewhere (--master-key-file or CYBERNORMS_MASTER_KEY)", "file", path, "master_key_id", KeyID(cur))
			}
		}
	}
	prev, err := loadKey(s.PreviousKey, s.PreviousKeyFile, "previous-master-key")
	if err != nil {
		return nil, err
	}
	if prev == nil {
		return NewKeyring(cur)
	}
	return NewKeyring(cur, prev)
}

func loadKey(text, file, what string) ([]byte, error) {
	if text != "" && file != "" {
		return nil, fmt.Errorf("%s and %s-file: give the key or the key file, not both", what, what)
	}
	if text != "" {
		k, err := ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return k, nil
	}
	if file != "" {
		k, err := readKeyFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s-file: %w", what, err)
		}
		return k, nil
	}
	return nil, nil
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// FromConfig loads the keyring from the server's settings.
func FromConfig(c config.Config, log *slog.Logger) (*Keyring, error) {
	return FromSettings(Settings{Key: c.MasterKey, KeyFile: c.MasterKeyFile, PreviousKey: c.PreviousMasterKey,
		PreviousKeyFile: c.PreviousMasterKeyFile, DataDir: c.DataDir}, log)
}
