package apptest_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// echo serves lines back to their sender until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, r *bufio.Reader, wait time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

func TestProxy(t *testing.T) {
	p := apptest.StartProxy(t, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}

	p.Stall()
	if got, err := roundTrip(c, r, 200*time.Millisecond); err == nil {
		t.Fatalf("stalled proxy answered %q", got)
	}
	p.Resume()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "ping\n" {
		t.Fatalf("the ping held back by the stall: %q, %v", got, err)
	}
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("after the stall: %q, %v", got, err)
	}

	p.Reset()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("connection still open after Reset")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got, err := roundTrip(c2, bufio.NewReader(c2), 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("new connection after Reset: %q, %v", got, err)
	}
}

func TestProxyDelay(t *testing.T) {
	p := apptest.StartProxy(t, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	p.Delay(100 * time.Millisecond)
	start := time.Now()
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("through the slow proxy: %q, %v", got, err)
	}
	if rtt := time.Since(start); rtt < 200*time.Millisecond {
		t.Fatalf("round trip took %v through a 100 ms link each way", rtt)
	}
	p.Delay(0)
	if got, err := roundTrip(c, r, 150*time.Millisecond); err != nil || got != "ping\n" {
		t.Fatalf("after the delay ended: %q, %v", got, err)
	}
}
