module crossgate/interop-gmsm

go 1.24

require github.com/emmansun/gmsm v0.34.0

require golang.org/x/crypto v0.41.0 // indirect
