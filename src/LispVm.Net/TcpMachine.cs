// Why: the TCP connection state machine (RFC 9293 3.3.2, figure 5) as one enum and ONE
// transition function: every state change of every connection goes through Next, so the
// diagram lives in one place and is tested on its own. Events are what the input, the
// timers and the API decided happened; entry actions (timers, counters, freeing) are in
// NetStack.Tcp*.cs's Move.
namespace LispVm.Net
{
    public enum TcpState
    {
        Closed, Listen, SynSent, SynReceived, Established, FinWait1, FinWait2,
        CloseWait, Closing, LastAck, TimeWait
    }

    public enum TcpEvent
    {
        PassiveOpen,   // TcpListen
        ActiveOpen,    // TcpConnect: SYN sent
        RcvSyn,        // a SYN (in LISTEN: a new child; in SYN-SENT: simultaneous open)
        RcvSynAck,     // SYN-SENT got SYN+ACK acknowledging our SYN
        RcvAckOfSyn,   // SYN-RECEIVED got the ACK of our SYN
        Close,         // the application closes: send FIN (or give up before a SYN was answered)
        RcvFin,        // the peer's FIN arrived in order
        RcvAckOfFin,   // our FIN was acknowledged
        TimeWaitDone,  // 2*MSL passed
        Reset,         // an acceptable RST, or TcpAbort, or a timeout giving up
    }

    public static class TcpMachine
    {
        /// <summary>The state after event e in state s; s itself when e does not apply there.</summary>
        public static TcpState Next(TcpState s, TcpEvent e)
        {
            if (e == TcpEvent.Reset) return TcpState.Closed;
            switch (s)
            {
                case TcpState.Closed:
                    if (e == TcpEvent.PassiveOpen) return TcpState.Listen;
                    if (e == TcpEvent.ActiveOpen) return TcpState.SynSent;
                    break;
                case TcpState.Listen:
                    if (e == TcpEvent.RcvSyn) return TcpState.SynReceived;     // the child's state
                    if (e == TcpEvent.Close) return TcpState.Closed;
                    break;
                case TcpState.SynSent:
                    if (e == TcpEvent.RcvSynAck) return TcpState.Established;
                    if (e == TcpEvent.RcvSyn) return TcpState.SynReceived;
                    if (e == TcpEvent.Close) return TcpState.Closed;
                    break;
                case TcpState.SynReceived:
                    if (e == TcpEvent.RcvAckOfSyn) return TcpState.Established;
                    if (e == TcpEvent.Close) return TcpState.FinWait1;
                    if (e == TcpEvent.RcvFin) return TcpState.CloseWait;
                    break;
                case TcpState.Established:
                    if (e == TcpEvent.Close) return TcpState.FinWait1;
                    if (e == TcpEvent.RcvFin) return TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    if (e == TcpEvent.RcvAckOfFin) return TcpState.FinWait2;
                    if (e == TcpEvent.RcvFin) return TcpState.Closing;
                    break;
                case TcpState.FinWait2:
                    if (e == TcpEvent.RcvFin) return TcpState.TimeWait;
                    break;
                case TcpState.CloseWait:
                    if (e == TcpEvent.Close) return TcpState.LastAck;
                    break;
                case TcpState.Closing:
                    if (e == TcpEvent.RcvAckOfFin) return TcpState.TimeWait;
                    break;
                case TcpState.LastAck:
                    if (e == TcpEvent.RcvAckOfFin) return TcpState.Closed;
                    break;
                case TcpState.TimeWait:
                    if (e == TcpEvent.TimeWaitDone) return TcpState.Closed;
                    break;
            }
            return s;
        }

        /// <summary>States where the peer's data may still arrive.</summary>
        public static bool CanReceive(TcpState s)
        {
            return s == TcpState.Established || s == TcpState.FinWait1 || s == TcpState.FinWait2;
        }

        /// <summary>States where the application may still queue data to send.</summary>
        public static bool CanSend(TcpState s)
        {
            return s == TcpState.Established || s == TcpState.CloseWait || s == TcpState.SynSent
                || s == TcpState.SynReceived;
        }

        /// <summary>States after the handshake (our SYN acknowledged).</summary>
        public static bool Synchronized(TcpState s)
        {
            return s >= TcpState.Established;
        }
    }
}
