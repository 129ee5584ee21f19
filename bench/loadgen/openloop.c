/*
 * openloop: a small wrk2-style constant-throughput, open-loop HTTP/1.1 load generator.
 *
 *   openloop [-c connections] [-R rate] [-d seconds] [-T drain_seconds] [-H 'Name: value']... [-3] [-v] http://host:port/path
 *
 * One thread, epoll, non-blocking keep-alive connections. Connection i of N sends at R/N req/s on a fixed
 * timetable (the N timetables are interleaved, so requests leave every 1/R s overall), with at most one
 * request in flight per connection. A request's latency is measured from its *scheduled* send time, not
 * from when it was written: when the server stalls, every request the stall delayed counts the delay
 * (coordinated omission corrected, as wrk2 does). Requests scheduled during the run that are still unsent
 * or unanswered when the drain time after the run ends are reported as `unfinished`.
 *
 * Responses: only Content-Length bodies, bodiless statuses (1xx, 204, 304) and bodies ended by the server
 * closing the connection are supported; a chunked response stops the run with an error (the pixel and the
 * bare fastify route both send Content-Length). A closed connection is reconnected and counted in
 * `reconnects`; a request that was in flight on it counts as a socket error.
 *
 * Prints one JSON object on stdout. Latency is kept in a log-linear histogram of microseconds (exact below
 * 1,024 µs, then 512 steps per power of two, < 0.2 % error) up to 60 s; percentiles report the upper edge
 * of their bucket, max is exact. `generator_lag_p99_ms` is how late this program wrote requests whose
 * connection was idle: when it is not small against the latencies, the generator itself is the bottleneck.
 *
 * -v prints one line a second on stderr (by scheduled send time: completed, over 10 ms, max), to see
 * whether slow requests cluster (a stall) or spread (queueing).
 *
 * Build: gcc -O2 -o openloop openloop.c  (scripts/bench.sh does this into .stack/bin/openloop)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER_BYTES 16384
#define HIST_MAX_US 60000000ULL
#define HIST_BUCKETS (1024 + 26 * 512)

typedef enum { CLOSED, CONNECTING, IDLE, WRITING, READING } conn_state;

typedef struct {
  int fd;
  conn_state state;
  int ever_connected;
  uint64_t interval;     /* ns between this connection's requests */
  uint64_t next_slot;    /* scheduled send time (ns, CLOCK_MONOTONIC) of this connection's next request */
  uint64_t sched;        /* scheduled send time of the request in flight */
  uint64_t idle_since;   /* when the connection last became free to send */
  size_t written;        /* bytes of the request written so far */
  char head[MAX_HEADER_BYTES];
  size_t head_len;       /* header bytes buffered; the body is counted, not kept */
  int in_body;
  int body_until_close;
  uint64_t body_left;
  int close_after;       /* Connection: close */
  int status;
} conn;

typedef struct {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total;
  uint64_t max_us;
  double sum_us;
} histogram;

static struct {
  long sent, completed, non2xx, socket_errors, reconnects;
} stats;

static histogram latency, lag;
static char *request;
static size_t request_len;
static struct addrinfo *target;
static int ok_3xx;
static int verbose;          /* -v: per-second lines on stderr, by scheduled time */
static uint64_t run_start;
#define MAX_SECONDS 3600
static struct { long n, over10ms; uint64_t max_us; } per_second[MAX_SECONDS];
static int epfd;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("openloop: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int bucket_of(uint64_t us) {
  if (us < 1024) return (int)us;
  int msb = 63 - __builtin_clzll(us);
  return 1024 + (msb - 10) * 512 + (int)((us >> (msb - 9)) - 512);
}

/** The largest value that falls in bucket b. */
static uint64_t bucket_top(int b) {
  if (b < 1024) return (uint64_t)b;
  int msb = (b - 1024) / 512 + 10, sub = (b - 1024) % 512;
  return (((uint64_t)(512 + sub + 1)) << (msb - 9)) - 1;
}

static void record(histogram *h, uint64_t ns) {
  uint64_t us = ns / 1000;
  if (us > HIST_MAX_US) us = HIST_MAX_US;
  h->counts[bucket_of(us)]++;
  h->total++;
  h->sum_us += (double)us;
  if (us > h->max_us) h->max_us = us;
}

static double percentile_ms(const histogram *h, double p) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)((p / 100.0) * (double)h->total + 0.999999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b < HIST_BUCKETS; b++) {
    seen += h->counts[b];
    if (seen >= rank) {
      uint64_t top = bucket_top(b);
      return (double)(top < h->max_us ? top : h->max_us) / 1000.0;
    }
  }
  return (double)h->max_us / 1000.0;
}

static void parse_url(const char *url, char **host, char **port, char **path) {
  if (strncmp(url, "http://", 7) != 0) die("url must be http://host[:port]/path, got %s", url);
  const char *p = url + 7, *end = p + strcspn(p, "/");
  const char *colon;
  if (*p == '[') {
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (!close) die("bad IPv6 host in %s", url);
    *host = strndup(p + 1, (size_t)(close - p - 1));
    colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
  } else {
    colon = memchr(p, ':', (size_t)(end - p));
    *host = strndup(p, (size_t)((colon ? colon : end) - p));
  }
  *port = colon ? strndup(colon + 1, (size_t)(end - colon - 1)) : strdup("80");
  *path = strdup(*end ? end : "/");
}

static void build_request(const char *url, char **headers, int nheaders) {
  char *host, *port, *path;
  parse_url(url, &host, &port, &path);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  int rc = getaddrinfo(host, port, &hints, &target);
  if (rc != 0) die("cannot resolve %s: %s", host, gai_strerror(rc));
  size_t cap = strlen(url) + 64;
  int has_host = 0;
  for (int i = 0; i < nheaders; i++) {
    cap += strlen(headers[i]) + 2;
    if (strncasecmp(headers[i], "host:", 5) == 0) has_host = 1;
  }
  request = malloc(cap);
  int n = snprintf(request, cap, "GET %s HTTP/1.1\r\n", path);
  const char *authority = url + 7;
  if (!has_host) n += snprintf(request + n, cap - (size_t)n, "Host: %.*s\r\n", (int)strcspn(authority, "/"), authority);
  for (int i = 0; i < nheaders; i++) n += snprintf(request + n, cap - (size_t)n, "%s\r\n", headers[i]);
  n += snprintf(request + n, cap - (size_t)n, "\r\n");
  request_len = (size_t)n;
  free(host);
  free(port);
  free(path);
}

/** A connect that failed when its request was due costs that request (one socket error), not a retry spin. */
static void connect_failed(conn *c) {
  stats.socket_errors++;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = CLOSED;
  uint64_t now = now_ns();
  if (c->next_slot <= now) c->next_slot += c->interval;
}

static void close_conn(conn *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = CLOSED;
}

/** Starts a non-blocking connect; on an immediate failure the connection stays CLOSED. */
static void open_conn(conn *c) {
  int fd = socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  if (c->ever_connected) stats.reconnects++;
  c->ever_connected = 1;
  if (connect(fd, target->ai_addr, target->ai_addrlen) != 0 && errno != EINPROGRESS) {
    connect_failed(c);
    return;
  }
  c->state = CONNECTING;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl: %s", strerror(errno));
}

/** The connection broke: a request in flight on it failed; reconnect at once. */
static void fail_conn(conn *c) {
  if (c->state == WRITING || c->state == READING || c->state == CONNECTING) stats.socket_errors++;
  close_conn(c);
  open_conn(c);
}

static void write_request(conn *c) {
  c->state = WRITING;
  while (c->written < request_len) {
    ssize_t n = write(c->fd, request + c->written, request_len - c->written);
    if (n > 0) {
      c->written += (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      fail_conn(c);
      return;
    }
  }
  c->state = READING;
}

static void send_request(conn *c) {
  c->sched = c->next_slot;
  c->next_slot += c->interval;
  c->written = 0;
  c->head_len = 0;
  c->in_body = 0;
  stats.sent++;
  /* The generator's own lateness: since the request was due and its connection free (else it waited on the server). */
  uint64_t ready = c->sched > c->idle_since ? c->sched : c->idle_since;
  record(&lag, now_ns() - ready);
  write_request(c);
}

static void complete(conn *c) {
  stats.completed++;
  int ok = (c->status >= 200 && c->status < 300) || (ok_3xx && c->status >= 300 && c->status < 400);
  if (!ok) stats.non2xx++;
  c->idle_since = now_ns();
  record(&latency, c->idle_since - c->sched);
  if (verbose && c->sched >= run_start && (c->sched - run_start) / 1000000000ULL < MAX_SECONDS) {
    uint64_t us = (c->idle_since - c->sched) / 1000;
    int second = (int)((c->sched - run_start) / 1000000000ULL);
    per_second[second].n++;
    per_second[second].over10ms += us > 10000;
    if (us > per_second[second].max_us) per_second[second].max_us = us;
  }
  c->state = IDLE;
  if (c->close_after) {
    close_conn(c);
    open_conn(c);
  }
}

/** Parses the status line and headers; returns 0 if the response cannot be handled. */
static int parse_head(conn *c, size_t head_end) {
  c->head[head_end] = '\0';
  if (sscanf(c->head, "HTTP/1.%*d %d", &c->status) != 1) return 0;
  int has_length = 0;
  c->close_after = strncmp(c->head, "HTTP/1.0", 8) == 0;
  c->body_left = 0;
  for (char *line = strstr(c->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
    char *h = line + 2;
    if (strncasecmp(h, "content-length:", 15) == 0) {
      c->body_left = strtoull(h + 15, NULL, 10);
      has_length = 1;
    } else if (strncasecmp(h, "transfer-encoding:", 18) == 0 && strcasestr(h, "chunked")) {
      die("chunked responses are not supported (only Content-Length bodies)");
    } else if (strncasecmp(h, "connection:", 11) == 0) {
      char *v = h + 11;
      while (*v == ' ') v++;
      if (strncasecmp(v, "close", 5) == 0) c->close_after = 1;
      if (strncasecmp(v, "keep-alive", 10) == 0) c->close_after = 0;
    }
  }
  int bodiless = c->status < 200 || c->status == 204 || c->status == 304;
  c->body_until_close = !has_length && !bodiless;
  if (c->body_until_close) c->close_after = 1;
  c->in_body = 1;
  return 1;
}

/** Consumes n received bytes; returns 0 on a protocol error. */
static int consume(conn *c, const char *buf, size_t n) {
  while (n > 0) {
    if (c->state != READING) return 0; /* bytes nobody asked for */
    if (!c->in_body) {
      size_t take = n < MAX_HEADER_BYTES - 1 - c->head_len ? n : MAX_HEADER_BYTES - 1 - c->head_len;
      size_t scan_from = c->head_len >= 3 ? c->head_len - 3 : 0;
      memcpy(c->head + c->head_len, buf, take);
      c->head_len += take;
      c->head[c->head_len] = '\0';
      char *end = strstr(c->head + scan_from, "\r\n\r\n");
      if (!end) {
        if (c->head_len >= MAX_HEADER_BYTES - 1) return 0;
        return 1;
      }
      size_t head_end = (size_t)(end - c->head) + 4;
      size_t used = take - (c->head_len - head_end);
      buf += used;
      n -= used;
      if (!parse_head(c, head_end)) return 0;
    } else {
      if (c->body_until_close) return 1;
      size_t take = n < c->body_left ? n : (size_t)c->body_left;
      c->body_left -= take;
      buf += take;
      n -= take;
    }
    if (c->in_body && !c->body_until_close && c->body_left == 0) {
      complete(c);
      if (c->state != IDLE) return n == 0; /* reconnecting after Connection: close */
    }
  }
  return 1;
}

static void on_readable(conn *c) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n > 0) {
      if (!consume(c, buf, (size_t)n)) {
        fail_conn(c);
        return;
      }
      if (c->state == CLOSED || c->state == CONNECTING) return;
    } else if (n == 0) {
      if (c->state == READING && c->in_body && c->body_until_close) {
        c->close_after = 0;
        complete(c);
      }
      fail_conn(c); /* counts an error only if a request was still in flight */
      return;
    } else if (errno == EAGAIN) {
      return;
    } else {
      fail_conn(c);
      return;
    }
  }
}

static void on_event(conn *c, uint32_t events) {
  if (c->state == CONNECTING) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      connect_failed(c); /* retried when its next request is due */
      return;
    }
    c->state = IDLE;
    c->idle_since = now_ns();
    return;
  }
  if (c->state == WRITING && (events & EPOLLOUT)) write_request(c);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) on_readable(c);
}

static void usage(void) {
  die("usage: openloop [-c connections] [-R rate] [-d seconds] [-T drain_seconds] [-H 'Name: value']... [-3] [-v] http://host:port/path");
}

int main(int argc, char **argv) {
  int nconns = 10, nheaders = 0;
  double rate = 1000, seconds = 10, drain = 5;
  char **headers = calloc((size_t)argc, sizeof(char *));
  int opt;
  while ((opt = getopt(argc, argv, "c:R:d:T:H:3v")) != -1) {
    switch (opt) {
      case 'c': nconns = atoi(optarg); break;
      case 'R': rate = atof(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'T': drain = atof(optarg); break;
      case 'H': headers[nheaders++] = optarg; break;
      case '3': ok_3xx = 1; break;
      case 'v': verbose = 1; break;
      default: usage();
    }
  }
  if (optind != argc - 1 || nconns < 1 || rate <= 0 || seconds <= 0 || drain < 0) usage();
  build_request(argv[optind], headers, nheaders);
  prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time, not up to 50 µs late */

  epfd = epoll_create1(EPOLL_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epfd < 0 || tfd < 0) die("epoll/timerfd: %s", strerror(errno));
  struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &tev);

  conn *conns = calloc((size_t)nconns, sizeof(conn));
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = -1;
    open_conn(&conns[i]);
  }
  /* Connect everything before the clock starts; connection failures here are fatal, not measured. */
  struct epoll_event events[256];
  uint64_t connect_deadline = now_ns() + 5000000000ULL;
  for (;;) {
    int pending = 0;
    for (int i = 0; i < nconns; i++) {
      if (conns[i].state == CLOSED) die("cannot connect to %s", argv[optind]);
      pending += conns[i].state == CONNECTING;
    }
    if (pending == 0) break;
    if (now_ns() > connect_deadline) die("timed out connecting to %s", argv[optind]);
    int n = epoll_wait(epfd, events, 256, 100);
    for (int i = 0; i < n; i++)
      if (events[i].data.ptr) on_event(events[i].data.ptr, events[i].events);
  }

  uint64_t interval = (uint64_t)((double)nconns / rate * 1e9);
  uint64_t start = now_ns();
  run_start = start;
  uint64_t end = start + (uint64_t)(seconds * 1e9);
  uint64_t deadline = end + (uint64_t)(drain * 1e9);
  for (int i = 0; i < nconns; i++) {
    conns[i].interval = interval;
    conns[i].next_slot = start + (uint64_t)((double)i / rate * 1e9);
  }
  uint64_t last_completion = start;

  for (;;) {
    uint64_t now = now_ns();
    uint64_t earliest = UINT64_MAX;
    int busy = 0;
    for (int i = 0; i < nconns; i++) {
      conn *c = &conns[i];
      int due = c->next_slot < end;
      if (due && c->next_slot <= now) {
        if (c->state == CLOSED) open_conn(c);
        if (c->state == IDLE) send_request(c);
      }
      if (c->state == WRITING || c->state == READING) busy = 1;
      if (c->next_slot < end) {
        busy = 1;
        if ((c->state == IDLE || c->state == CLOSED) && c->next_slot < earliest) earliest = c->next_slot;
      }
    }
    if (!busy || now >= deadline) break;
    if (earliest != UINT64_MAX) {
      struct itimerspec its = {.it_value = {.tv_sec = (time_t)(earliest / 1000000000ULL), .tv_nsec = (long)(earliest % 1000000000ULL)}};
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    }
    int timeout_ms = (int)((deadline - now) / 1000000ULL) + 1;
    int n = epoll_wait(epfd, events, 256, timeout_ms);
    long before = stats.completed;
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL) {
        uint64_t expirations;
        ssize_t ignored = read(tfd, &expirations, sizeof expirations);
        (void)ignored;
      } else {
        on_event(events[i].data.ptr, events[i].events);
      }
    }
    if (stats.completed != before) last_completion = now_ns();
  }

  /* Everything scheduled during the run that did not complete: in flight, or never sent. */
  long unfinished = 0;
  for (int i = 0; i < nconns; i++) {
    conn *c = &conns[i];
    if (c->state == WRITING || c->state == READING) unfinished++;
    if (c->next_slot < end) unfinished += (long)((end - c->next_slot + interval - 1) / interval);
  }
  double elapsed = (double)((last_completion > end ? last_completion : end) - start) / 1e9;
  printf("{\"url\":\"%s\",\"connections\":%d,\"rate_target\":%.1f,\"duration_s\":%.3f,"
         "\"sent\":%ld,\"completed\":%ld,\"non2xx\":%ld,\"socket_errors\":%ld,\"reconnects\":%ld,\"unfinished\":%ld,"
         "\"rate_achieved\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p99_9_ms\":%.3f,\"max_ms\":%.3f,"
         "\"mean_ms\":%.3f,\"generator_lag_p99_ms\":%.3f,\"generator_lag_max_ms\":%.3f}\n",
         argv[optind], nconns, rate, elapsed, stats.sent, stats.completed, stats.non2xx, stats.socket_errors,
         stats.reconnects, unfinished, (double)stats.completed / elapsed, percentile_ms(&latency, 50),
         percentile_ms(&latency, 90), percentile_ms(&latency, 99), percentile_ms(&latency, 99.9),
         (double)latency.max_us / 1000.0, latency.total ? latency.sum_us / (double)latency.total / 1000.0 : 0,
         percentile_ms(&lag, 99), (double)lag.max_us / 1000.0);
  for (int s = 0; verbose && s < MAX_SECONDS && s < (int)seconds + 1; s++)
    fprintf(stderr, "second %d: %ld completed, %ld over 10 ms, max %.1f ms\n", s, per_second[s].n, per_second[s].over10ms,
            (double)per_second[s].max_us / 1000.0);
  return 0;
}
