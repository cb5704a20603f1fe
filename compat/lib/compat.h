// The compat suite's case library. A case is one program with two roles:
// `dut` (the side under test, in the root namespace, once on the kernel and
// once under libpercore.so) and `peer` (Linux, in namespace percore-peer).
// Both print a transcript on stdout; compat/run diffs the two runs.
//
// The roles meet at barriers (SYNC) on a control channel the runner passes
// as a kernel socketpair (fd COMPAT_CTL_FD); the channel and the transcript
// use raw syscalls so they never depend on the interposer being tested.
// Transcripts print what an application relies on: return values, errno
// names, data; never fd numbers, ephemeral ports, window sizes or times.
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PEER_IP "198.18.0.1"
#define DUT_IP "198.18.0.2"

// Fixed ports print as numbers; any other port prints as EPH (ephemeral).
// A port a case leaves in TIME-WAIT on purpose is its own: no other case's
// bind may meet that TIME-WAIT in the next pass.
enum { PORT = 5000, PORT2 = 5001, PORT3 = 5002, PORT_TW = 5010, PORT_TW2 = 5011,
       PORT_CLOSED = 5099 };

#define SA_IN(ip, port)                                                   \
  ((struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,       \
                                            .sin_port = htons(port),     \
                                            .sin_addr.s_addr = inet_addr(ip)})
// Two arguments: `connect(fd, PEER_SA(PORT))`.
#define PEER_SA(port) SA_IN(PEER_IP, port), sizeof(struct sockaddr_in)
#define DUT_SA(port) SA_IN(DUT_IP, port), sizeof(struct sockaddr_in)
#define ANY_SA(port) SA_IN("0.0.0.0", port), sizeof(struct sockaddr_in)
#define LOOP_SA(port) SA_IN("127.0.0.1", port), sizeof(struct sockaddr_in)

// One transcript line (thread-safe, one write per line, fork-safe).
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// Setup that must work: prints why and exits 2 when it does not.
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

long log_ret(const char *expr, long r, int err);
long log_fd(const char *expr, long r, int err);
long log_data(const char *expr, long r, int err, const void *buf);
long log_part(const char *expr, long r, int err, long total);

// `CALL(connect(fd, PEER_SA(PORT)))` prints
// `connect(fd, PEER_SA(PORT)) = -1 ECONNREFUSED` and yields the result.
#define LOGGED(fn, text, e, ...)                                          \
  ({                                                                      \
    errno = 0;                                                            \
    long r_ = (long)(e);                                                  \
    int e_ = errno;                                                       \
    fn(text, r_, e_, ##__VA_ARGS__);                                      \
    errno = e_;                                                           \
    r_;                                                                   \
  })
#define CALL(e) LOGGED(log_ret, #e, e)
// A new descriptor: prints `= fd`, never its number.
#define CALL_FD(e) ((int)LOGGED(log_fd, #e, e))
// A byte count with the bytes: `= 5 "hello"`.
#define CALL_DATA(e, buf) LOGGED(log_data, #e, e, buf)
// A count that depends on buffer sizes: `= all`, `= partial`.
#define CALL_PART(e, total) LOGGED(log_part, #e, e, total)
// Setup: silent, fails the case if negative.
#define MUST(e)                                                           \
  ({                                                                      \
    long r_ = (long)(e);                                                  \
    if (r_ < 0) fail("%s: %s", #e, errname(errno));                      \
    r_;                                                                   \
  })

const char *errname(int err);
// An unmapped address for EFAULT cases, opaque to the compiler's warnings.
void *bad_pointer(void);
const char *fmt_addr(const struct sockaddr *sa);
const char *fmt_events(uint32_t ev);  // EPOLL*/POLL* bits, same values
const char *tcp_state_name(int state);

// Socket options, printed by name: `getsockopt(SOL_SOCKET, SO_TYPE) = 0 -> 1`.
#define GETINT(fd, level, opt) get_int(#level ", " #opt, fd, level, opt)
#define SETINT(fd, level, opt, v) set_int(#level ", " #opt ", " #v, fd, level, opt, v)
long get_int(const char *what, int fd, int level, int opt);
long set_int(const char *what, int fd, int level, int opt, int v);
long get_error(int fd);  // SO_ERROR, printed as a name
void show_name(int fd);  // getsockname
void show_peer(int fd);  // getpeername
void show_tcp_info(int fd);
void show_fionread(int fd);
void show_flags(int fd);  // O_NONBLOCK and FD_CLOEXEC

// Control channel: both roles call the same barriers in the same order.
void SYNC(const char *tag);
void ctl_put(long v);
long ctl_get(void);

// Connections. Each logs one line and fails the case on error.
int tcp_socket(void);
int listen_on(const char *ip, int port, int backlog);  // SO_REUSEADDR
int dut_listen(int port);                              // DUT_IP:port
int peer_listen(int port);                             // PEER_IP:port
int connect_to(const char *ip, int port);
int dut_connect(int port);   // DUT -> peer:port
int peer_connect(int port);  // peer -> DUT:port
int accept_one(int lfd);
void set_nonblock(int fd, bool on);
void set_linger(int fd, int on, int secs);
void rst_close(int fd);  // SO_LINGER 0 then close: sends RST

// Waiting without racing. wait_ev polls until one of `events` (or an error)
// is reported, up to 5 s, and returns revents (0 and a line on timeout).
short wait_ev(int fd, short events);
void wait_acked(int fd);       // all sent bytes acknowledged (SIOCOUTQ == 0)
void wait_state(int fd, int state);  // TCP_INFO tcpi_state (peer side)
void wait_rst(int fd);         // the DUT saw a RST: POLLERR|POLLHUP

// Data. pattern byte i of a stream is (i * 7 + seed) & 0xff.
void fill_pattern(void *buf, size_t n, size_t offset);
long send_all(int fd, const void *buf, size_t n);
long send_pattern(int fd, size_t n);
long recv_all(int fd, size_t n);    // logs count and whether the pattern matched
long recv_until_eof(int fd);        // logs total, pattern check and how it ended
void recv_show(int fd, size_t max);  // one recv(), logged with data
long drain_nonblock(int fd);        // read what is there now, silently

// Timing: `elapsed ~200ms` when within [expect-5, expect+500] ms.
long now_ms(void);
void say_elapsed(long start_ms, long expect_ms);

// Signals: a counting handler, installed without SA_RESTART unless asked.
void on_signal(int sig, bool restart);
int signal_count(int sig);
void alarm_ms(long ms);  // SIGALRM once after ms (setitimer)

// Processes and threads.
pid_t fork_child(void (*fn)(void *), void *arg);  // child runs fn, _exits 0
void wait_child(pid_t pid);                        // logs how it ended
pthread_t start_thread(void *(*fn)(void *), void *arg);
void join_thread(pthread_t t);
void sleep_ms(long ms);

// Descriptor names for epoll/poll output: `name_fd(fd, "sock")`.
void name_fd(int fd, const char *name);
const char *fd_name(int fd);
void ep_add(int ep, int fd, uint32_t events);  // data.fd = fd, logged
void ep_mod(int ep, int fd, uint32_t events);
void ep_del(int ep, int fd);
// epoll_wait, printed as `= 2 [a:IN] [b:IN|OUT]` sorted by name.
long ep_wait(int ep, int maxevents, int timeout);
// poll over fds given by name, printed as `= 1 [a:IN]`.
long poll_show(struct pollfd *p, int n, int timeout);

// The case's entry: COMPAT_CASE(dut_fn, peer_fn); peer_fn may be NULL.
int compat_main(int argc, char **argv, void (*dut)(void), void (*peer)(void));
#define COMPAT_CASE(dut, peer) \
  int main(int argc, char **argv) { return compat_main(argc, argv, dut, peer); }

// Reusable peers. Each listens on PORT, SYNCs "ready", accepts one connection.
void peer_echo(void);        // echoes until EOF, then closes
void peer_sink(void);        // reads until EOF, logs the total, closes
void peer_close(void);       // closes at once (FIN)
void peer_rst(void);         // resets at once
void peer_hold(void);        // holds it open until SYNC "done", then closes
void peer_none(void);        // SYNC "ready" only: nothing listens on PORT
// A listener on PORT whose accept queue is full: SYNs to it are dropped, so
// a connect to it stays pending (SYN_SENT) until the case ends.
void peer_blackhole(void);
// At SYNC "go": send "hello", wait until it is acknowledged, SYNC "sent",
// sink until EOF. The DUT calls SYNC_HELLO() where it wants the data.
void peer_hello(void);
void peer_hello_fin(void);   // the same, with a FIN after "hello"
#define SYNC_HELLO() (SYNC("go"), SYNC("sent"))
// The DUT listens on PORT: SYNC "ready", connect, sink until EOF.
void peer_client(void);
void peer_client_hello(void);  // the same, sending "hello" as peer_hello does
int peer_accepted(void);  // listen on PORT, SYNC "ready", accept one
// On connection c: send "hello" (and a FIN), wait for the ACK, SYNC "sent",
// sink until EOF, close.
void hello_then_sink(int c, bool fin);
// For cases that fill the DUT's send buffer: the DUT sends zeros until
// EAGAIN and ctl_put()s the count; the peer reads exactly that many (saying
// only whether it got them all: the count depends on buffer sizes), then
// sinks until EOF.
long fill_send_buffer(int fd);
void peer_drain_counted(void);
// Sink until EOF, SYNC "eof", close; peer_sink_fin answers with its own FIN
// before the SYNC.
void peer_sink_eof(void);
void peer_sink_fin(void);
// Sink until EOF, SYNC "shut" (the DUT has looked at its half-closed
// socket), then FIN, SYNC "eof", close.
void peer_sink_fin_after_shut(void);
void peer_sink_on_go(void);  // SYNC "go" first, then sink until EOF
void peer_late(void);
// SYNC "ready", open three connections to the DUT's PORT, each sending its
// number ("1", "2", "3") and waiting for the ACK, SYNC "queued", then sink
// each until EOF.
void peer_queue_three(void);        // at SYNC "go": wait 300 ms, send "late", sink
// Make sig pending: a counting handler, sig blocked and raised. *unblocked
// is the mask to wait with (ppoll, pselect, epoll_pwait).
void pend_signal(int sig, sigset_t *unblocked);
// DUT side: listen on PORT, SYNC "ready", accept one.
int dut_accepted(void);
