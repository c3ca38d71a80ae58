# faxgw top-level Makefile (GNU make).
#
#   make              build everything into build/
#   make run          install missing packages, build, start the whole stack
#   make check        install missing packages, build, run every test
#   make SANITIZE=address,undefined   build with sanitizers (into build-san/)
#   make fuzz         build the libFuzzer harnesses with clang (build-fuzz/)
#   WERROR=0          for packagers: warnings are not errors

CC       ?= cc
WERROR   ?= 1
SANITIZE ?=
PREFIX   ?= /usr/local

ifeq ($(SANITIZE),)
B ?= build
else
B ?= build-san
endif

PKGS := spandsp libtiff-4 libevent sqlite3 libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ltiff -lm
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
SNMP_LIBS  := $(shell net-snmp-config --agent-libs 2>/dev/null)
PCAP_LIBS  := -lpcap

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-format-nonliteral -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
OPT := $(if $(SANITIZE),-O1,-O2)

CPPFLAGS += -D_GNU_SOURCE -Igateway/include -Igateway -Igateway/media -Igateway/lib \
            -DFAXGW_VERSION='"$(VERSION)"' -DFAXGW_BUILD_DIR='"$(abspath $(B))"'
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 $(WARN) $(HARDEN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(SANFLAGS) -Wl,-z,relro -Wl,-z,now -Wl,--as-needed
LDLIBS   := $(PKG_LIBS) -ldl -lpthread

VERSION := 0.1.0

# --- sources (one directory per role; new files are picked up) ----------
MEDIA_SRC := $(wildcard gateway/media/*.c)
LIB_SRC   := $(wildcard gateway/lib/*.c)
GWD_SRC   := $(filter-out gateway/main.c,$(wildcard gateway/*.c))
EXT_SRC   := $(wildcard gateway/ext/*.c)
EXTLIB_SRC := $(wildcard gateway/ext/common/*.c)
TESTEXT_SRC := $(wildcard tests/data/ext/*.c)
AGENT_SRC := $(wildcard agent/*.c)
UNIT_SRC  := $(wildcard tests/unit/*.c)
TOOLS     := $(notdir $(wildcard tools/fax*))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

MEDIA_A := $(B)/libfaxmedia.a
LIB_A   := $(B)/libfaxgw.a
GWD_A   := $(B)/libfaxgwd.a
EXTLIB_A := $(B)/libfaxext.a
EXTS    := $(patsubst gateway/ext/%.c,$(B)/routing/%.so,$(EXT_SRC))
TESTEXTS := $(patsubst tests/data/ext/%.c,$(B)/test-ext/%.so,$(TESTEXT_SRC))
TOOL_BINS := $(addprefix $(B)/,$(TOOLS))
AGENT_BIN := $(if $(AGENT_SRC),$(B)/faxgw-agent)
UNIT_BIN  := $(if $(UNIT_SRC),$(B)/unit-tests)

ALL := $(B)/faxgwd $(EXTS) $(TOOL_BINS) $(AGENT_BIN)

.PHONY: all deps run check unit-tests fuzz clean tests-build
all: $(ALL)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(MEDIA_A): $(call obj,$(MEDIA_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIB_A): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(GWD_A): $(call obj,$(GWD_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Code shared by routing extensions (PDF writer, ...), linked into each .so.
$(EXTLIB_A): $(call obj,$(EXTLIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The daemon is a library; main.c is one line.
$(B)/faxgwd: $(call obj,gateway/main.c) $(GWD_A) $(MEDIA_A) $(LIB_A)
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS)

# Routing extensions: one shared object per source file.
$(B)/routing/%.so: $(B)/obj/gateway/ext/%.o $(EXTLIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -o $@ $^ $(PKG_LIBS) -lcups
$(B)/test-ext/%.so: $(B)/obj/tests/data/ext/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -o $@ $^

# Tools: tools/NAME/*.c -> build/NAME
define tool_rule
$(B)/$(1): $(call obj,$(wildcard tools/$(1)/*.c)) $(GWD_A) $(MEDIA_A) $(LIB_A)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(PCAP_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))
# faxtestdoc is a thin CLI around the unit tests' document helper.
$(B)/faxtestdoc: $(call obj,tests/unit/testdoc.c)

$(B)/faxgw-agent: $(call obj,$(AGENT_SRC)) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(SNMP_LIBS) $(LDLIBS)

# Unit tests: every tests/unit/test_NAME.c defines Suite *NAME_suite(void).
$(B)/gen/suites.h: $(UNIT_SRC) Makefile
	@mkdir -p $(dir $@)
	@for f in $(filter tests/unit/test_%.c,$(UNIT_SRC)); do \
	  n=$$(basename $$f .c); n=$${n#test_}; echo "SUITE($$n)"; done > $@.tmp && mv $@.tmp $@
$(B)/obj/tests/unit/runner.o: $(B)/gen/suites.h
$(B)/obj/tests/unit/%.o: CPPFLAGS += -I$(B)/gen -Itests/unit
$(B)/unit-tests: $(call obj,$(UNIT_SRC)) $(GWD_A) $(MEDIA_A) $(LIB_A) $(EXTLIB_A)
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(CHECK_LIBS) $(LDLIBS) $(PCAP_LIBS) -lcups

tests-build: all $(UNIT_BIN) $(TESTEXTS)

deps:
	@tools/install-deps

# `make run`: the whole stack in the foreground on the embedded default.
run: deps
	@$(MAKE) --no-print-directory all
	@exec tools/run-stack $(B)

unit-tests: tests-build
	$(B)/unit-tests

# `make check`: every test, normal build and sanitizer build.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory SANITIZE=address,undefined tests-build
	@tests/run-all $(B) build-san

# --- fuzzing (clang + libFuzzer) -----------------------------------------
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
              -Igateway/include -Igateway -Igateway/media -Igateway/lib $(PKG_CFLAGS) \
              -DFAXGW_VERSION='"$(VERSION)"' -DFAXGW_BUILD_DIR='"$(abspath build-fuzz)"'
FUZZ_LIBSRC := $(MEDIA_SRC) $(LIB_SRC) $(GWD_SRC)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
fuzz: $(FUZZ_BINS)
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIBSRC)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS) $(PCAP_LIBS) -ldl -lpthread

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san -name '*.d' 2>/dev/null)
