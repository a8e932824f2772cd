# Pinned Fabric release. v2.5.9's tag commit 7c3876255bf0; the module has no
# /v2 suffix, so Go addresses it by pseudo-version. This go.mod has no
# `replace` directives, which `go install pkg@version` requires.
FABRIC_VERSION=2.5.9
FABRIC_COMMIT=7c3876255bf064b789a839ce347b6a02adb6333c
FABRIC_MODULE=github.com/hyperledger/fabric
FABRIC_PSEUDO_VERSION=v1.4.0-rc1.0.20240618194258-7c3876255bf0
