package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection that sends pre-rendered requests and reads
// answers with a fixed Content-Length (what net/http sends for small bodies) or chunked. On two
// shared cores every microsecond the load generator spends is taken from the server, and
// net/http's client costs several times what this does per request.
type rawConn struct {
	addr  string
	local *net.TCPAddr // source address; nil: the system's choice
	conn  net.Conn
	r     *bufio.Reader
}

// dialRaw connects to addr from the loopback address 127.1.x.y of worker, so that each worker is a
// client of its own: the server's hasher serves at most two requests of one client at once.
// Where only 127.0.0.1 exists (not Linux), the system's address is used.
func dialRaw(addr string, worker int) *rawConn {
	return &rawConn{addr: addr, local: &net.TCPAddr{IP: net.IPv4(127, 1, byte(worker>>8), byte(worker))}}
}

// render returns the bytes of a POST to target (a URL) with body and an optional bearer token.
func render(target string, body []byte, token string) []byte {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: %d\r\n", u.RequestURI(), u.Host, len(body))
	if token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", token)
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

var errProtocol = errors.New("malformed HTTP response")

// do writes req and reads the answer's body into buf, reconnecting once if the server had closed
// an idle connection.
func (c *rawConn) do(req []byte, buf *bytes.Buffer) (int, error) {
	for attempt := 0; ; attempt++ {
		fresh := c.conn == nil
		if fresh {
			d := net.Dialer{Timeout: 5 * time.Second}
			if c.local != nil {
				d.LocalAddr = c.local
			}
			conn, err := d.Dial("tcp", c.addr)
			if err != nil && c.local != nil {
				c.local = nil
				d.LocalAddr = nil
				conn, err = d.Dial("tcp", c.addr)
			}
			if err != nil {
				return 0, err
			}
			c.conn, c.r = conn, bufio.NewReaderSize(conn, 16<<10)
		}
		status, err := c.roundTrip(req, buf)
		if err == nil {
			return status, nil
		}
		c.close()
		if fresh || attempt > 0 {
			return 0, err
		}
	}
}

func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.r = nil, nil
	}
}

func (c *rawConn) roundTrip(req []byte, buf *bytes.Buffer) (int, error) {
	if err := c.conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
		return 0, err
	}
	if _, err := c.conn.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, errProtocol
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, errProtocol
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, errProtocol
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, errProtocol
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = readChunked(c.r, buf)
	case length >= 0:
		_, err = io.CopyN(buf, c.r, int64(length))
	default:
		_, err = io.Copy(buf, c.r)
		closing = true
	}
	if err != nil {
		return 0, err
	}
	if closing {
		c.close()
	}
	return status, nil
}

func readChunked(r *bufio.Reader, buf *bytes.Buffer) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
		if err != nil {
			return errProtocol
		}
		if size == 0 {
			_, err = r.ReadSlice('\n') // no trailers from our server
			return err
		}
		if _, err := io.CopyN(buf, r, size); err != nil {
			return err
		}
		if _, err := r.Discard(2); err != nil {
			return err
		}
	}
}
