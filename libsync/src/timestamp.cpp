#include "libsync/timestamp.hpp"

#include "libsync/internal/timestamp_writer.hpp"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>

namespace libsync {
namespace {

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar and
// much cheaper than going through std::chrono's calendar types on every event.
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

constexpr Civil CivilFromDays(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

void Put2(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

bool ReadDigits(std::string_view s, std::size_t pos, std::size_t n, unsigned* out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

constexpr unsigned DaysInMonth(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::string FormatTimestamp(Timestamp t) {
  std::string out;
  AppendTimestamp(out, t);
  return out;
}

void AppendTimestamp(std::string& text, Timestamp t) {
  const std::size_t start = text.size();
  text.resize(start + kTimestampChars);
  WriteTimestamp(text.data() + start, t);
}

char* WriteTimestamp(char* p, Timestamp t) noexcept {
  const std::int64_t ms = t.time_since_epoch().count();
  std::int64_t days = ms / 86400000;
  std::int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  // Nearly every timestamp written falls on the same day as the previous one: the date
  // part is kept per thread, and the calendar arithmetic runs once a day.
  thread_local struct {
    std::int64_t days = INT64_MIN;
    char text[11];
  } date;
  if (date.days != days) {
    const Civil c = CivilFromDays(days);
    const auto year = static_cast<unsigned>(c.y < 0 ? 0 : (c.y > 9999 ? 9999 : c.y));
    char* d = date.text;
    d[0] = static_cast<char>('0' + year / 1000);
    d[1] = static_cast<char>('0' + year / 100 % 10);
    Put2(d + 2, year % 100);
    d[4] = '-';
    Put2(d + 5, c.m);
    d[7] = '-';
    Put2(d + 8, c.d);
    d[10] = 'T';
    date.days = days;
  }
  std::memcpy(p, date.text, sizeof date.text);
  const auto r = static_cast<unsigned>(rem);
  Put2(p + 11, r / 3600000);
  p[13] = ':';
  Put2(p + 14, r / 60000 % 60);
  p[16] = ':';
  Put2(p + 17, r / 1000 % 60);
  p[19] = '.';
  const unsigned milli = r % 1000;
  p[20] = static_cast<char>('0' + milli / 100);
  Put2(p + 21, milli % 100);
  p[23] = 'Z';
  return p + kTimestampChars;
}

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !ReadDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ReadDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
      !ReadDigits(s, 11, 2, &h) || s[13] != ':' || !ReadDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  unsigned milli = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) milli = milli * 10 + static_cast<unsigned>(s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) milli *= 10;
  }
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (s.size() - pos == 3 && s.substr(pos) == "+00") {
    pos += 3;
  } else if (s.size() - pos == 6 && s.substr(pos) == "+00:00") {
    pos += 6;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = DaysFromCivil(y, mo, d);
  const std::int64_t ms =
      ((days * 24 + h) * 60 + mi) * 60000 + static_cast<std::int64_t>(sec) * 1000 + milli;
  return Timestamp(std::chrono::milliseconds(ms));
}

}  // namespace libsync
