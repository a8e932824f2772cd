package main

// The anchor application: a CometBFT ABCI app that keeps signed Crossgate batch headers by batch id
// (docs/cometbft.md). A transaction is JSON, one of
//
//	{"op":"anchor","header":"<RFC 8785 header, as the gateway signed it>","signature":"<base64url>"}
//	{"op":"register","statement":"<JSON {purpose, chainId, alg, keyId, publicKey}>","admin":"<base64url>","signature":"<base64url>"}
//
// An anchor is accepted when its signature verifies under the key its header names and that key
// is registered; a header already held is refused with codeDuplicate (the caller reads the existing
// one). Registration needs a signature by an admin key listed in the genesis app_state.
//
// State commitment: each block's accepted transactions form the leaves of an RFC 6962 tree
// (CometBFT's crypto/merkle); the app hash after the block is SHA-256(0x02 ‖ previous app hash ‖
// that root), unchanged by blocks with nothing accepted. A header's proof is its Merkle path plus the
// previous app hash, checked against the app hash of the next block's header.
//
// State is on disk (store.go): Info reports the last committed block, so after a restart CometBFT
// replays only the blocks the app had not committed.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/merkle"
)

const (
	codeOK           uint32 = 0
	codeMalformed    uint32 = 1
	codeBadSignature uint32 = 2
	codeUnregistered uint32 = 3
	codeDuplicate    uint32 = 4
	codeUnauthorized uint32 = 5

	registerPurpose = "crossgate-cometbft-register-gateway-key"
)

var (
	hex64     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	leafTags  = map[string]string{"anchor": "anchor\n", "register": "register\n"}
	appHashV1 = []byte{0x02}
)

type tx struct {
	Op        string `json:"op"`
	Header    string `json:"header"`
	Statement string `json:"statement"`
	Admin     string `json:"admin"`
	Signature string `json:"signature"`
}

type signerInfo struct {
	Alg       string `json:"alg"`
	KeyID     string `json:"keyId"`
	PublicKey string `json:"publicKey"`
}

type header struct {
	ID     string     `json:"id"`
	Signer signerInfo `json:"signer"`
}

type statement struct {
	Purpose string `json:"purpose"`
	ChainID string `json:"chainId"`
	signerInfo
}

type genesisState struct {
	Admins []struct {
		Alg       string `json:"alg"`
		PublicKey string `json:"publicKey"`
	} `json:"admins"`
}

// proof is what a query for a batch returns besides the header: enough to recompute the app hash
// of the block after the one that accepted it.
type proof struct {
	PrevAppHash string   `json:"prevAppHash"`
	Index       int64    `json:"index"`
	Total       int64    `json:"total"`
	Aunts       []string `json:"aunts"`
}

type anchored struct {
	Header    string `json:"header"`
	Signature string `json:"signature"`
	Height    int64  `json:"height"`
	TxHash    string `json:"txHash"`
	Proof     proof  `json:"proof"`
}

type pending struct {
	leaf    []byte
	batchID string
	entry   *anchored
	keyRef  string
}

type AnchorApp struct {
	abci.BaseApplication
	mu      sync.Mutex
	store   appStore
	chainID string
	admins  map[string]bool // alg + ":" + publicKey
	keys    map[string]bool // alg + ":" + publicKey
	appHash []byte
	height  int64
	staged  []pending
	newHash []byte
	// failed is a store error of FinalizeBlock's reads: the block cannot be decided, the node must stop.
	failed error
}

// NewAnchorApp opens the app on its database, at the last block it committed.
func NewAnchorApp(db dbm.DB) (*AnchorApp, error) {
	app := &AnchorApp{store: appStore{db}, admins: map[string]bool{}, keys: map[string]bool{}}
	if err := app.store.load(app); err != nil {
		return nil, err
	}
	return app, nil
}

func (app *AnchorApp) hasBatch(id string) bool {
	e, err := app.store.batch(id)
	if err != nil && app.failed == nil {
		app.failed = err
	}
	return e != nil
}

func keyRef(alg, publicKey string) string { return alg + ":" + publicKey }

func (app *AnchorApp) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	return &abci.InfoResponse{Data: "crossgate-anchor", AppVersion: 1, LastBlockHeight: app.height, LastBlockAppHash: app.appHash}, nil
}

func (app *AnchorApp) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	var g genesisState
	if err := json.Unmarshal(req.AppStateBytes, &g); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	admins := make([]string, 0, len(g.Admins))
	for _, a := range g.Admins {
		app.admins[keyRef(a.Alg, a.PublicKey)] = true
		admins = append(admins, keyRef(a.Alg, a.PublicKey))
	}
	app.chainID = req.ChainId
	genesis := sha256.Sum256(req.AppStateBytes)
	app.appHash = genesis[:]
	app.height = 0
	if err := app.store.commit(meta{Height: 0, AppHash: hex.EncodeToString(app.appHash), ChainID: app.chainID}, admins, nil); err != nil {
		return nil, err
	}
	return &abci.InitChainResponse{AppHash: app.appHash}, nil
}

// check decides a transaction against the state plus what this block accepted before it.
func (app *AnchorApp) check(raw []byte, staged map[string]bool) (pending, uint32, string) {
	var t tx
	if err := json.Unmarshal(raw, &t); err != nil {
		return pending{}, codeMalformed, "transaction is not JSON: " + err.Error()
	}
	switch t.Op {
	case "anchor":
		var h header
		if err := json.Unmarshal([]byte(t.Header), &h); err != nil {
			return pending{}, codeMalformed, "header is not JSON: " + err.Error()
		}
		if !hex64.MatchString(h.ID) {
			return pending{}, codeMalformed, "header id is not 64 lowercase hex digits"
		}
		ref := keyRef(h.Signer.Alg, h.Signer.PublicKey)
		if !app.keys[ref] && !staged[ref] {
			return pending{}, codeUnregistered, fmt.Sprintf("gateway key %s (%s) is not registered", h.Signer.KeyID, h.Signer.Alg)
		}
		if err := verifySignature(h.Signer.Alg, h.Signer.PublicKey, t.Signature, []byte(t.Header)); err != nil {
			return pending{}, codeBadSignature, "batch signature: " + err.Error()
		}
		if staged["batch:"+h.ID] || app.hasBatch(h.ID) {
			return pending{}, codeDuplicate, "batch " + h.ID + " is already anchored"
		}
		return pending{leaf: []byte(leafTags["anchor"] + t.Header), batchID: h.ID, entry: &anchored{Header: t.Header, Signature: t.Signature}}, codeOK, ""
	case "register":
		var s statement
		if err := json.Unmarshal([]byte(t.Statement), &s); err != nil {
			return pending{}, codeMalformed, "statement is not JSON: " + err.Error()
		}
		if s.Purpose != registerPurpose || s.ChainID != app.chainID {
			return pending{}, codeMalformed, "statement is not a key registration for chain " + app.chainID
		}
		if !app.admins[keyRef("Ed25519", t.Admin)] {
			return pending{}, codeUnauthorized, "the statement's signer is not an admin of this chain"
		}
		if err := verifySignature("Ed25519", t.Admin, t.Signature, []byte(t.Statement)); err != nil {
			return pending{}, codeBadSignature, "admin signature: " + err.Error()
		}
		if err := checkPublicKey(s.Alg, s.PublicKey); err != nil {
			return pending{}, codeMalformed, err.Error()
		}
		ref := keyRef(s.Alg, s.PublicKey)
		if app.keys[ref] || staged[ref] {
			return pending{}, codeDuplicate, "gateway key " + s.KeyID + " is already registered"
		}
		return pending{leaf: []byte(leafTags["register"] + t.Statement), keyRef: ref}, codeOK, ""
	default:
		return pending{}, codeMalformed, fmt.Sprintf("unknown op %q", t.Op)
	}
}

func (app *AnchorApp) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	_, code, log := app.check(req.Tx, nil)
	return &abci.CheckTxResponse{Code: code, Log: log}, nil
}

func (app *AnchorApp) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	app.staged = app.staged[:0]
	app.failed = nil
	seen := map[string]bool{}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		p, code, log := app.check(raw, seen)
		results[i] = &abci.ExecTxResult{Code: code, Log: log}
		if code != codeOK {
			continue
		}
		txHash := sha256.Sum256(raw)
		if p.entry != nil {
			p.entry.Height = req.Height
			p.entry.TxHash = hex.EncodeToString(txHash[:])
			seen["batch:"+p.batchID] = true
		} else {
			seen[p.keyRef] = true
		}
		app.staged = append(app.staged, p)
	}
	app.newHash = app.appHash
	if len(app.staged) > 0 {
		leaves := make([][]byte, len(app.staged))
		for i, p := range app.staged {
			leaves[i] = p.leaf
		}
		root, proofs := merkle.ProofsFromByteSlices(leaves)
		prev := hex.EncodeToString(app.appHash)
		for i, p := range app.staged {
			if p.entry == nil {
				continue
			}
			aunts := make([]string, len(proofs[i].Aunts))
			for j, a := range proofs[i].Aunts {
				aunts[j] = hex.EncodeToString(a)
			}
			p.entry.Proof = proof{PrevAppHash: prev, Index: proofs[i].Index, Total: proofs[i].Total, Aunts: aunts}
		}
		next := sha256.New()
		next.Write(appHashV1)
		next.Write(app.appHash)
		next.Write(root)
		app.newHash = next.Sum(nil)
	}
	if app.failed != nil {
		return nil, fmt.Errorf("anchor app state unreadable: %w", app.failed)
	}
	app.height = req.Height
	return &abci.FinalizeBlockResponse{TxResults: results, AppHash: app.newHash}, nil
}

func (app *AnchorApp) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	if err := app.store.commit(meta{Height: app.height, AppHash: hex.EncodeToString(app.newHash), ChainID: app.chainID}, nil, app.staged); err != nil {
		return nil, err
	}
	for _, p := range app.staged {
		if p.entry == nil {
			app.keys[p.keyRef] = true
		}
	}
	app.staged = app.staged[:0]
	app.appHash = app.newHash
	return &abci.CommitResponse{}, nil
}

// Query paths: /batch (data: batch id) answers the anchored entry as JSON, or an empty value;
// /key (data: alg:publicKey) answers "registered" or an empty value.
func (app *AnchorApp) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	app.mu.Lock()
	defer app.mu.Unlock()
	resp := &abci.QueryResponse{Key: req.Data, Height: app.height}
	switch req.Path {
	case "/batch":
		e, err := app.store.batch(string(req.Data))
		if err != nil {
			return nil, err
		}
		if e != nil {
			value, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			resp.Value = value
		}
	case "/key":
		if app.keys[string(req.Data)] {
			resp.Value = []byte("registered")
		}
	default:
		resp.Code = codeMalformed
		resp.Log = "unknown query path " + req.Path
	}
	return resp, nil
}

// checkPublicKey refuses a key registration the app could never verify a signature under.
func checkPublicKey(alg, publicKey string) error {
	pub, err := decodeB64("publicKey", publicKey)
	if err != nil {
		return err
	}
	switch {
	case alg == "Ed25519" && len(pub) == 32, (alg == "ES256" || alg == "ES256K" || alg == "SM2") && len(pub) == 33:
		return nil
	default:
		return fmt.Errorf("a %s public key of %d bytes cannot be registered here", alg, len(pub))
	}
}
