// Package stix reads, checks and writes the STIX 2.1 content of the
// threat-intelligence bulletin: the objects companies contribute (reports,
// threat actors, ATT&CK techniques as attack patterns, courses of action,
// notes, indicators, the relationships between them), the identities of the
// contributor and the publisher, and the TLP 2.0 markings that bound how far
// each object may travel.
//
// Objects are held as [Object], a property map that keeps every property it
// was given, including ones this package does not know, so that an import
// followed by an export loses nothing. Typed structs ([Report],
// [AttackPattern], ...) build objects for export and decode them on import.
//
// [ParseBundle] is the gate for outside input: it refuses anything that is not
// a well-formed STIX 2.1 bundle within the size limits, and says exactly which
// object and property is wrong. [MarshalBundle] writes a bundle byte-for-byte
// reproducibly, so that re-exporting an unchanged bulletin gives an unchanged
// file and identical TAXII content.
//
// References used throughout: STIX Version 2.1, OASIS Standard, 10 June 2021
// (docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html), and the TLP 2.0
// extension published by the OASIS CTI TC in
// github.com/oasis-open/cti-stix-common-objects.
package stix
