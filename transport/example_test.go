package transport_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fedavail/fedavail/transport"
)

// A client for an Exchange server behind the proxy of the NHSmail partner
// guide: everything goes through proxy1, except host names without a dot,
// the organization's own domain and the internal network.
func ExampleNew() {
	client, err := transport.New(transport.Config{
		ProxyURL:    "http://proxy1.battlecalfed2.co.uk:1234",
		ProxyBypass: "<local>;*.battlecalfed2.co.uk;192.168.*",
	})
	if err != nil {
		log.Fatal(err)
	}
	// Give client to the autodiscover, federation and ews packages.
	_ = client

	bypass, err := transport.ParseHostList("<local>;*.battlecalfed2.co.uk;192.168.*")
	if err != nil {
		log.Fatal(err)
	}
	for _, host := range []string{"exch01", "mail.battlecalfed2.co.uk", "192.168.10.5", "outlook.office365.com"} {
		fmt.Printf("%-25s direct=%v\n", host, bypass.Match(host, "443"))
	}
	// Output:
	// exch01                    direct=true
	// mail.battlecalfed2.co.uk  direct=true
	// 192.168.10.5              direct=true
	// outlook.office365.com     direct=false
}

// Serving with timeouts, and a graceful shutdown when the context ends (in
// a program: signal.NotifyContext(ctx, os.Interrupt)).
func ExampleServe() {
	srv := transport.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}), transport.ServerConfig{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- transport.Serve(ctx, srv, ln, 30*time.Second) }()

	client, err := transport.New(transport.Config{Direct: true})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	stop()
	fmt.Println("shut down:", <-done)
	// Output:
	// hello
	// shut down: <nil>
}

// A server that NHSmail's Exchange servers, which speak TLS 1.0, can reach:
// TLS 1.0 and 1.1 are accepted only because AcceptLegacyTLS says so, and the
// server logs that it does.
func ExampleServerConfig_acceptLegacyTLS() {
	cert, err := tls.LoadX509KeyPair("tls.pem", "tls-key.pem")
	if err != nil {
		log.Fatal(err)
	}
	srv := transport.NewServer(http.NotFoundHandler(), transport.ServerConfig{
		TLS:             &tls.Config{Certificates: []tls.Certificate{cert}},
		AcceptLegacyTLS: true,
		Logger:          slog.Default(),
	})
	ln, err := net.Listen("tcp", ":443")
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(transport.Serve(context.Background(), srv, ln, 30*time.Second))
}
