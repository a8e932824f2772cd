package main

// The app's state on disk, in the validator's data directory (database "anchor-app", CometBFT's
// configured backend), so a restarted validator resumes at its last committed block instead of
// having the whole chain replayed into an empty app. Keys:
//
//	m              {height, appHash, chainId} of the last committed block
//	a/<alg:key>    an admin key (from genesis)
//	k/<alg:key>    a registered gateway key
//	b/<batch id>   an anchored entry (JSON, as the /batch query answers it)
//
// Each block's changes and its meta are written in one synced batch, so the state on disk is always
// that of a whole committed block.

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	dbm "github.com/cometbft/cometbft-db"
)

type meta struct {
	Height  int64  `json:"height"`
	AppHash string `json:"appHash"`
	ChainID string `json:"chainId"`
}

type appStore struct{ db dbm.DB }

// load fills the app's small state (meta, admin and gateway keys) from disk; batches stay on disk.
func (s appStore) load(app *AnchorApp) error {
	raw, err := s.db.Get([]byte("m"))
	if err != nil || raw == nil {
		return err
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("anchor app state: %w", err)
	}
	if app.appHash, err = hex.DecodeString(m.AppHash); err != nil {
		return fmt.Errorf("anchor app state: %w", err)
	}
	app.height, app.chainID = m.Height, m.ChainID
	for prefix, into := range map[string]map[string]bool{"a/": app.admins, "k/": app.keys} {
		it, err := dbm.IteratePrefix(s.db, []byte(prefix))
		if err != nil {
			return err
		}
		for ; it.Valid(); it.Next() {
			into[string(it.Key()[len(prefix):])] = true
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (s appStore) batch(id string) (*anchored, error) {
	raw, err := s.db.Get([]byte("b/" + id))
	if err != nil || raw == nil {
		return nil, err
	}
	var e anchored
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("anchor app state, batch %s: %w", id, err)
	}
	return &e, nil
}

// commit writes a block's changes (admins at genesis, registered keys, anchored batches) with its meta.
func (s appStore) commit(m meta, admins []string, staged []pending) error {
	b := s.db.NewBatch()
	defer b.Close()
	for _, ref := range admins {
		if err := b.Set([]byte("a/"+ref), []byte{1}); err != nil {
			return err
		}
	}
	for _, p := range staged {
		if p.entry == nil {
			if err := b.Set([]byte("k/"+p.keyRef), []byte{1}); err != nil {
				return err
			}
			continue
		}
		value, err := json.Marshal(p.entry)
		if err != nil {
			return err
		}
		if err := b.Set([]byte("b/"+p.batchID), value); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := b.Set([]byte("m"), raw); err != nil {
		return err
	}
	return b.WriteSync()
}
