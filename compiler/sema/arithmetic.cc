#include "compiler/sema/arithmetic.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace dml::sema {
namespace {

using ast::BinaryOp;

bool IsNumber(ValueKind kind) { return kind == ValueKind::kInt || kind == ValueKind::kFloat; }

std::string Shown(const Value& v) {
  return v.kind == ValueKind::kString ? "\"" + v.text + "\"" : v.UserText();
}

std::string Expression(const BinaryOperands& o) {
  return Shown(*o.lhs) + " " + OpText(o.op) + " " + Shown(*o.rhs);
}

std::optional<Value> Overflow(const BinaryOperands& o, const char* what, diag::DiagnosticSink& sink) {
  sink.Report({diag::Kind::arithmetic_overflow, o.whole,
               "`" + Expression(o) + "` overflows " + what, {}, {}});
  return std::nullopt;
}

std::optional<Value> DivisionByZero(const BinaryOperands& o, diag::DiagnosticSink& sink) {
  sink.Report({diag::Kind::division_by_zero, o.rhs->range, "division by zero in `" + Expression(o) + "`",
               {}, {}});
  return std::nullopt;
}

Value Result(ValueKind kind, const BinaryOperands& o) {
  Value v;
  v.kind = kind;
  v.range = o.whole;
  return v;
}

// 64-bit ints (and sizes, in bytes): every step checked.
std::optional<int64_t> IntOp(BinaryOp op, int64_t a, int64_t b, bool* overflow, bool* by_zero) {
  int64_t r = 0;
  switch (op) {
    case BinaryOp::kAdd: *overflow = __builtin_add_overflow(a, b, &r); break;
    case BinaryOp::kSub: *overflow = __builtin_sub_overflow(a, b, &r); break;
    case BinaryOp::kMul: *overflow = __builtin_mul_overflow(a, b, &r); break;
    case BinaryOp::kDiv:
      if (b == 0) {
        *by_zero = true;
        return std::nullopt;
      }
      if (a == INT64_MIN && b == -1) {
        *overflow = true;
        return std::nullopt;
      }
      r = a / b;  // rounds toward zero
      break;
  }
  if (*overflow) return std::nullopt;
  return r;
}

double FloatOp(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
  }
  return 0;
}

std::optional<Value> Ints(const BinaryOperands& o, ValueKind kind, int64_t a, int64_t b,
                          diag::DiagnosticSink& sink) {
  bool overflow = false;
  bool by_zero = false;
  std::optional<int64_t> r = IntOp(o.op, a, b, &overflow, &by_zero);
  if (by_zero) return DivisionByZero(o, sink);
  if (!r) return Overflow(o, kind == ValueKind::kSize ? "the largest size (8EiB)" : "64-bit ints", sink);
  if (kind == ValueKind::kSize && *r < 0) {
    sink.Report({diag::Kind::value_out_of_range, o.whole,
                 "`" + Expression(o) + "` is negative; a size cannot be", {}, {}});
    return std::nullopt;
  }
  Value v = Result(kind, o);
  v.int_value = *r;
  return v;
}

std::optional<Value> Floats(const BinaryOperands& o, ValueKind kind, double a, double b,
                            diag::DiagnosticSink& sink) {
  if (o.op == BinaryOp::kDiv && b == 0) return DivisionByZero(o, sink);
  const double r = FloatOp(o.op, a, b);
  if (!std::isfinite(r)) return Overflow(o, "the range of floats", sink);
  if (kind == ValueKind::kDuration && r < 0) {
    sink.Report({diag::Kind::value_out_of_range, o.whole,
                 "`" + Expression(o) + "` is negative; a duration cannot be", {}, {}});
    return std::nullopt;
  }
  Value v = Result(kind, o);
  v.number = r;
  return v;
}

std::optional<Value> Mismatch(const BinaryOperands& o, diag::DiagnosticSink& sink) {
  std::vector<std::string> help;
  const ValueKind a = o.lhs->kind;
  const ValueKind b = o.rhs->kind;
  if (a == ValueKind::kString || b == ValueKind::kString) {
    help.push_back("join strings with interpolation: \"${a}${b}\"");
  } else if ((a == ValueKind::kSize || b == ValueKind::kSize) && (IsNumber(a) || IsNumber(b))) {
    help.push_back("a size adds to a size and scales by an int: `2 * 4GiB`, `ram / 2`, `ram + 512MiB`");
  } else if ((a == ValueKind::kDuration || b == ValueKind::kDuration) && (IsNumber(a) || IsNumber(b))) {
    help.push_back("a duration adds to a duration and scales by a number: `2 * 10m`, `job - 5m`");
  }
  sink.Report({diag::Kind::type_mismatch, o.op_range,
               std::string("cannot apply `") + OpText(o.op) + "` to " + o.lhs->Describe() + " and " +
                   o.rhs->Describe(),
               {}, help});
  return std::nullopt;
}

}  // namespace

const char* OpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
  }
  return "?";
}

std::optional<Value> ApplyBinary(const BinaryOperands& o, diag::DiagnosticSink& sink) {
  const Value& l = *o.lhs;
  const Value& r = *o.rhs;
  const bool additive = o.op == BinaryOp::kAdd || o.op == BinaryOp::kSub;
  if (l.kind == ValueKind::kInt && r.kind == ValueKind::kInt) return Ints(o, ValueKind::kInt, l.int_value, r.int_value, sink);
  if (IsNumber(l.kind) && IsNumber(r.kind)) return Floats(o, ValueKind::kFloat, l.AsNumber(), r.AsNumber(), sink);
  // Sizes: size +- size; size * int, int * size; size / int.
  if (l.kind == ValueKind::kSize && r.kind == ValueKind::kSize && additive) {
    return Ints(o, ValueKind::kSize, l.int_value, r.int_value, sink);
  }
  if (l.kind == ValueKind::kSize && r.kind == ValueKind::kInt && !additive) {
    return Ints(o, ValueKind::kSize, l.int_value, r.int_value, sink);
  }
  if (l.kind == ValueKind::kInt && r.kind == ValueKind::kSize && o.op == BinaryOp::kMul) {
    return Ints(o, ValueKind::kSize, l.int_value, r.int_value, sink);
  }
  // Durations: duration +- duration; duration * number, number * duration; duration / number.
  if (l.kind == ValueKind::kDuration && r.kind == ValueKind::kDuration && additive) {
    return Floats(o, ValueKind::kDuration, l.number, r.number, sink);
  }
  if (l.kind == ValueKind::kDuration && IsNumber(r.kind) && !additive) {
    return Floats(o, ValueKind::kDuration, l.number, r.AsNumber(), sink);
  }
  if (IsNumber(l.kind) && r.kind == ValueKind::kDuration && o.op == BinaryOp::kMul) {
    return Floats(o, ValueKind::kDuration, l.AsNumber(), r.number, sink);
  }
  return Mismatch(o, sink);
}

}  // namespace dml::sema
