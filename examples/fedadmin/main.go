// Command fedadmin is the administrator's federation workflow from the
// shell: organization certificate, federation trust with a fedavail trust
// broker, domain proofs, federated domains, organization relationships,
// certificate rollover and de-federation. Every step is a method of
// package federation/admin; this command only parses arguments and prints.
//
// Usage:
//
//	go run ./examples/fedadmin [-dir DIR] <subcommand> [flags] [args]
//	go run ./examples/fedadmin -h
//	go run ./examples/fedadmin <subcommand> -h
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
