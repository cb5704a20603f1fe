#include "stack/wire/seq.h"

#include <ostream>

namespace percore::wire {

std::ostream& operator<<(std::ostream& os, Seq s) { return os << s.raw(); }

}  // namespace percore::wire
