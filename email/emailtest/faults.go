package emailtest

import "github.com/emersion/go-smtp"

// DropConnections closes every connection a client holds open, as a mail server does with
// sessions that stay idle too long.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*smtp.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Refuse, while on, has the server answer every new session with 421 to EHLO, as a mail server
// that is down, and drops the connections clients hold open; Refuse(false) ends it.
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	s.refusing = on
	s.mu.Unlock()
	if on {
		s.DropConnections()
	}
}

// accepted runs OnAccept, outside of s.mu so that it may ask the server anything.
func (s *Server) accepted(r Received) {
	if s.opts.OnAccept != nil {
		s.opts.OnAccept(r)
	}
}
