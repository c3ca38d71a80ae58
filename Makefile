# faxgw top-level Makefile (GNU make).
#
#   make              build everything into build/
#   make run          install missing packages, build, start the whole stack
#   make check        install missing packages, build, run every test
#   make SANITIZE=address,undefined   build with sanitizers (into build-san/)
#   make SANITIZE=thread B=build-tsan ThreadSanitizer (make check uses both)
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
# sofia-sip: only the SIP layer's objects see its headers, only faxgwd,
# faxpeer (its SIP caller/answerer) and the unit tests link it.
SOFIA_CFLAGS := $(shell pkg-config --cflags sofia-sip-ua 2>/dev/null)
SOFIA_LIBS   := $(shell pkg-config --libs sofia-sip-ua 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-format-nonliteral -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2
SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
OPT := $(if $(SANITIZE),-O1,-O2)

# Every object sees the public headers and the internal caps; each layer
# adds its own directories below, so a module reaches only the layers it
# is allowed to use (docs/internals.md has the picture).
CPPFLAGS += -D_GNU_SOURCE -Igateway/include -Igateway/internal \
            -DFAXGW_VERSION='"$(VERSION)"' -DFAXGW_BUILD_DIR='"$(abspath $(B))"'
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 $(WARN) $(HARDEN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(SANFLAGS) -Wl,-z,relro -Wl,-z,now -Wl,--as-needed
LDLIBS   := $(PKG_LIBS) -ldl -lpthread

VERSION := 0.3.0

# --- sources (one directory per role; new files are picked up) ----------
UTIL_SRC  := $(wildcard gateway/util/*.c)
PROTO_SRC := $(wildcard gateway/proto/*.c)
MEDIA_SRC := $(wildcard gateway/media/*.c)
SCAN_SRC  := $(wildcard gateway/scan/*.c)
SIP_SRC   := $(wildcard gateway/sip/*.c)
LIB_SRC   := $(wildcard gateway/lib/*.c)
GWD_SRC   := $(filter-out gateway/main.c,$(wildcard gateway/*.c))
EXT_SRC   := $(wildcard gateway/ext/*.c)
EXTLIB_SRC := $(wildcard gateway/ext/common/*.c)
TESTEXT_SRC := $(wildcard tests/data/ext/*.c)
AGENT_SRC := $(wildcard agent/*.c)
UNIT_SRC  := $(wildcard tests/unit/*.c)
TOOLCOMMON_SRC := $(wildcard tools/common/*.c)
TOOLS     := $(notdir $(wildcard tools/fax*))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

UTIL_A  := $(B)/libfaxutil.a
PROTO_A := $(B)/libfaxproto.a
MEDIA_A := $(B)/libfaxmedia.a
SCAN_A  := $(B)/libfaxscan.a
SIP_A   := $(B)/libfaxsip.a
LIB_A   := $(B)/libfaxgw.a
GWD_A   := $(B)/libfaxgwd.a
EXTLIB_A := $(B)/libfaxext.a
TOOLCOMMON_A := $(B)/libfaxtools.a
EXTS    := $(patsubst gateway/ext/%.c,$(B)/routing/%.so,$(EXT_SRC))
TESTEXTS := $(patsubst tests/data/ext/%.c,$(B)/test-ext/%.so,$(TESTEXT_SRC))
TOOL_BINS := $(addprefix $(B)/,$(TOOLS))
AGENT_BIN := $(if $(AGENT_SRC),$(B)/faxgw-agent)
UNIT_BIN  := $(if $(UNIT_SRC),$(B)/unit-tests)

# --- layers: what each directory may include ---------------------------------
# gateway/util (fgwx_*: mkdir -p, bounded numbers and appends, big-endian
# get/put) is the bottom layer: it includes only the public headers.
$(call obj,$(UTIL_SRC)): CPPFLAGS += -Igateway/util
$(call obj,$(PROTO_SRC)): CPPFLAGS += -Igateway/proto -Igateway/util
$(call obj,$(LIB_SRC)): CPPFLAGS += -Igateway/lib -Igateway/proto -Igateway/util
$(call obj,$(MEDIA_SRC)): CPPFLAGS += -Igateway/media -Igateway/util
$(call obj,$(SCAN_SRC)): CPPFLAGS += -Igateway/scan -Igateway/media -Igateway/util
$(call obj,$(SIP_SRC)): CPPFLAGS += -Igateway/sip -Igateway/util $(SOFIA_CFLAGS)
$(call obj,$(GWD_SRC) gateway/main.c): CPPFLAGS += -Igateway -Igateway/media -Igateway/proto \
	-Igateway/sip -Igateway/util
$(call obj,$(EXT_SRC) $(EXTLIB_SRC)): CPPFLAGS += -Igateway/ext -Igateway/util
$(call obj,$(TOOLCOMMON_SRC)): CPPFLAGS += -Itools/common
# The SIP callers' shared offer/answer helpers (faxpeer, faxbench).
$(call obj,tools/common/sipcall.c): CPPFLAGS += -Igateway/media -Igateway/sip -Igateway/util \
	$(SOFIA_CFLAGS)
$(call obj,$(AGENT_SRC)): CPPFLAGS += -Iagent -Igateway/util
$(call obj,$(wildcard tools/faxpeer/*.c)): CPPFLAGS += -Igateway/media -Itools/common -Igateway/util \
	-Igateway/sip $(SOFIA_CFLAGS)
$(call obj,$(wildcard tools/faxbench/*.c)): CPPFLAGS += -Igateway/media -Itools/common -Igateway/util \
	-Igateway/sip $(SOFIA_CFLAGS)
$(call obj,$(wildcard tools/faxpcap/*.c)): CPPFLAGS += -Igateway/scan -Igateway/media
$(call obj,$(wildcard tools/faxtestdoc/*.c)): CPPFLAGS += -Itools/common -Igateway/util
$(call obj,$(wildcard tools/faxgwctl/*.c)): CPPFLAGS += -Igateway/util
$(call obj,$(wildcard tools/faxsnmpbench/*.c)): CPPFLAGS += -Igateway/util
# Unit tests reach every layer they test.
$(call obj,$(UNIT_SRC)): CPPFLAGS += -I$(B)/gen -Itests/unit -Itools/common -Iagent \
	-Igateway -Igateway/media -Igateway/scan -Igateway/proto -Igateway/lib -Igateway/ext \
	-Igateway/sip -Igateway/util
# Sending (senddoc.c): the PDF tools by the absolute paths found here; the
# module searches /usr/bin, /usr/local/bin and /bin at run time when these
# are empty or gone.
GS_PATH      ?= $(shell command -v gs 2>/dev/null)
PDFINFO_PATH ?= $(shell command -v pdfinfo 2>/dev/null)
$(call obj,gateway/senddoc.c): CPPFLAGS += -DFAXGW_GS='"$(GS_PATH)"' -DFAXGW_PDFINFO='"$(PDFINFO_PATH)"'
# Code in shared objects is position-independent; util is linked into the
# routing extensions too, so it always is.
$(call obj,$(EXT_SRC) $(EXTLIB_SRC) $(TESTEXT_SRC) $(UTIL_SRC)): CFLAGS += -fPIC

ALL := $(B)/faxgwd $(EXTS) $(TOOL_BINS) $(AGENT_BIN)

.PHONY: all deps run check unit-tests fuzz clean tests-build
# Keep object files of pattern-built extensions between runs.
.SECONDARY:
all: $(ALL)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# One static archive per layer.
define archive_rule
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call archive_rule,$(UTIL_A),$(UTIL_SRC)))
$(eval $(call archive_rule,$(PROTO_A),$(PROTO_SRC)))
$(eval $(call archive_rule,$(MEDIA_A),$(MEDIA_SRC)))
$(eval $(call archive_rule,$(SCAN_A),$(SCAN_SRC)))
$(eval $(call archive_rule,$(SIP_A),$(SIP_SRC)))
$(eval $(call archive_rule,$(LIB_A),$(LIB_SRC)))
$(eval $(call archive_rule,$(GWD_A),$(GWD_SRC)))
# Code shared by routing extensions (PDF writer, ...), linked into each .so.
$(eval $(call archive_rule,$(EXTLIB_A),$(EXTLIB_SRC)))
# Code shared by the tools (test documents).
$(eval $(call archive_rule,$(TOOLCOMMON_A),$(TOOLCOMMON_SRC)))

# The daemon is a library; main.c is one line.
$(B)/faxgwd: $(call obj,gateway/main.c) $(GWD_A) $(SIP_A) $(MEDIA_A) $(PROTO_A) $(UTIL_A)
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(SOFIA_LIBS) $(LDLIBS)

# Routing extensions: one shared object per source file; only Print
# needs CUPS.
EXT_LIBS := $(PKG_LIBS)
$(B)/routing/print.so: EXT_LIBS += -lcups
# An extension keeps its own util copy (not exported, not interposed).
$(B)/routing/%.so: $(B)/obj/gateway/ext/%.o $(EXTLIB_A) $(UTIL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,--exclude-libs,libfaxutil.a -o $@ $^ $(EXT_LIBS)
$(B)/test-ext/%.so: $(B)/obj/tests/data/ext/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -o $@ $^

# Tools: tools/NAME/*.c -> build/NAME, each with the layers it uses
# (util last: every other layer may use it).
TOOL_LAYERS_faxgwctl     := $(LIB_A) $(PROTO_A) $(UTIL_A)
TOOL_LAYERS_faxsnmpbench := $(LIB_A) $(PROTO_A) $(UTIL_A)
TOOL_LAYERS_faxpeer      := $(TOOLCOMMON_A) $(SIP_A) $(MEDIA_A) $(UTIL_A)
TOOL_LAYERS_faxbench     := $(TOOLCOMMON_A) $(SIP_A) $(MEDIA_A) $(LIB_A) $(PROTO_A) $(UTIL_A)
TOOL_LAYERS_faxpcap      := $(SCAN_A) $(MEDIA_A) $(UTIL_A)
TOOL_LAYERS_faxtestdoc   := $(TOOLCOMMON_A) $(UTIL_A)
define tool_rule
$(B)/$(1): $(call obj,$(wildcard tools/$(1)/*.c)) $(TOOL_LAYERS_$(1))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(PCAP_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))
# faxpeer speaks SIP (sofia-sip's nua in its own loop).
$(B)/faxpeer: LDLIBS := $(SOFIA_LIBS) $(LDLIBS)
# faxbench --transport sip places its calls with sofia-sip's nua too.
$(B)/faxbench: LDLIBS := $(SOFIA_LIBS) $(LDLIBS)

$(B)/faxgw-agent: $(call obj,$(AGENT_SRC)) $(LIB_A) $(PROTO_A) $(UTIL_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(SNMP_LIBS) $(LDLIBS)
# The SNMP benchmark is a Net-SNMP client and subagent.
$(B)/faxsnmpbench: LDLIBS += $(SNMP_LIBS)
# The agent but main.c, for the unit tests.
AGENT_A := $(if $(AGENT_SRC),$(B)/libfaxagent.a)
$(eval $(call archive_rule,$(B)/libfaxagent.a,$(filter-out agent/main.c,$(AGENT_SRC))))

# The winfax.h walk-through (faxgw-winfax(3)), linked as faxgwctl is; run
# against a live faxgwd by tests/integration/winfax_example.sh.
EXAMPLE_BINS := $(B)/examples/routing-admin
all: $(EXAMPLE_BINS)
$(B)/examples/%: $(B)/obj/docs/examples/%.o $(LIB_A) $(PROTO_A) $(UTIL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: every tests/unit/test_NAME.c defines Suite *NAME_suite(void).
$(B)/gen/suites.h: $(UNIT_SRC) Makefile
	@mkdir -p $(dir $@)
	@for f in $(filter tests/unit/test_%.c,$(UNIT_SRC)); do \
	  n=$$(basename $$f .c); n=$${n#test_}; echo "SUITE($$n)"; done > $@.tmp && mv $@.tmp $@
$(B)/obj/tests/unit/runner.o: $(B)/gen/suites.h
$(B)/unit-tests: $(call obj,$(UNIT_SRC)) $(AGENT_A) $(GWD_A) $(SCAN_A) $(SIP_A) $(MEDIA_A) $(LIB_A) \
		$(PROTO_A) $(EXTLIB_A) $(TOOLCOMMON_A) $(UTIL_A)
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(CHECK_LIBS) $(SNMP_LIBS) $(SOFIA_LIBS) $(LDLIBS) \
	  $(PCAP_LIBS)

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
	@$(MAKE) --no-print-directory SANITIZE=thread B=build-tsan tests-build
	@tests/run-all $(B) build-san build-tsan

# --- fuzzing (clang + libFuzzer) -----------------------------------------
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
              -Igateway/include -Igateway/internal -Igateway -Igateway/media -Igateway/scan \
              -Igateway/proto -Igateway/lib -Igateway/ext -Igateway/sip -Igateway/util $(PKG_CFLAGS) \
              $(SOFIA_CFLAGS) \
              -DFAXGW_VERSION='"$(VERSION)"' -DFAXGW_BUILD_DIR='"$(abspath build-fuzz)"'
FUZZ_LIBSRC := $(MEDIA_SRC) $(SCAN_SRC) $(SIP_SRC) $(PROTO_SRC) $(LIB_SRC) $(GWD_SRC) $(UTIL_SRC)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
fuzz: $(FUZZ_BINS)
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIBSRC)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS) $(SOFIA_LIBS) $(PCAP_LIBS) -ldl -lpthread
# The routing data harness links every extension, each entry symbol renamed
# to faxgw_routing_init_NAME.
FUZZ_EXT_OBJS := $(patsubst gateway/ext/%.c,build-fuzz/ext/%.o,$(EXT_SRC))
build-fuzz/ext/%.o: gateway/ext/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Dfaxgw_routing_init=faxgw_routing_init_$* -c -o $@ $<
build-fuzz/fuzz_routing_data: tests/fuzz/fuzz_routing_data.c $(FUZZ_EXT_OBJS) $(EXTLIB_SRC) $(UTIL_SRC)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS) -lcups -ldl -lpthread

clean:
	rm -rf build build-san build-tsan build-fuzz

# Header dependencies of whichever tree this build writes.
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ==========================================================================
# --- install and packaging -------------------------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=...]` installs into an FHS
# layout; `make install-systemd` adds the systemd units, the sysusers.d and
# tmpfiles.d files (paths rewritten for PREFIX).  debian/ builds the .debs.
# libfaxgw is also built as a versioned shared library from the same
# sources, with every symbol hidden except the FGW_API ones of faxgw/admin.h.
# ==========================================================================
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
PKGLIBDIR  ?= $(PREFIX)/lib/faxgw
ROUTINGDIR ?= $(PKGLIBDIR)/routing
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
MIBDIR     ?= $(DATADIR)/snmp/mibs
DOCDIR     ?= $(DATADIR)/doc/faxgw
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
INSTALL    ?= install

# libfaxgw.so: SONAME libfaxgw.so.3; bump the major on any ABI break (2: fgw_job grew;
# 3: fgw_job, fgw_job_info, fgw_port_info and fgw_event grew for sending).
SHLIB_MAJOR := 3
SHLIB_VERSION := $(SHLIB_MAJOR).0.0
SHLIB_SONAME := libfaxgw.so.$(SHLIB_MAJOR)
SHLIB_REAL := $(B)/libfaxgw.so.$(SHLIB_VERSION)
SHLIB_LINKS := $(B)/$(SHLIB_SONAME) $(B)/libfaxgw.so
# wire.c uses only the header-only part of gateway/util (fgwx_be.h); the
# util sources are compiled in too, hidden like everything not FGW_API.
SHLIB_OBJ := $(patsubst %.c,$(B)/obj-shlib/%.o,$(LIB_SRC) $(PROTO_SRC) $(UTIL_SRC))

all: $(SHLIB_REAL) $(SHLIB_LINKS)

$(B)/obj-shlib/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Igateway/lib -Igateway/proto -Igateway/util $(CFLAGS) -fPIC \
	  -fvisibility=hidden -c -o $@ $<

$(SHLIB_REAL): $(SHLIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SHLIB_SONAME) -o $@ $^
$(SHLIB_LINKS): $(SHLIB_REAL)
	ln -sf $(notdir $(SHLIB_REAL)) $(B)/$(SHLIB_SONAME)
	ln -sf $(SHLIB_SONAME) $(B)/libfaxgw.so

# What gets installed: only what exists in this checkout.
INST_SBIN  := $(B)/faxgwd $(AGENT_BIN)
INST_BIN   := $(addprefix $(B)/,$(filter faxgwctl faxpeer faxpcap faxbench faxtestdoc,$(TOOLS)))
INST_HDRS  := $(wildcard gateway/include/faxgw/*.h)
INST_MAN   := $(wildcard docs/man/*.1 docs/man/*.3 docs/man/*.5 docs/man/*.7 docs/man/*.8)
INST_DOCS  := $(wildcard README.md docs/admin-guide.md docs/faxgw.conf.example \
                docs/snmpd.conf.example)
# faxgw.pc: libdir relative to the prefix when it lies below it, so that
# pkg-config --define-variable=prefix=... relocates it.
PC_LIBDIR  := $(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))
PC_INCDIR  := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

.PHONY: install install-systemd uninstall
install: all
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(PC_INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    tools/pkgconfig/faxgw.pc.in > $(B)/faxgw.pc
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(ROUTINGDIR) \
	  $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/faxgw \
	  $(DESTDIR)$(MIBDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/faxgw
	$(INSTALL) -m 0755 $(INST_SBIN) $(DESTDIR)$(SBINDIR)/
	$(if $(INST_BIN),$(INSTALL) -m 0755 $(INST_BIN) $(DESTDIR)$(BINDIR)/)
	$(if $(EXTS),$(INSTALL) -m 0644 $(EXTS) $(DESTDIR)$(ROUTINGDIR)/)
	$(INSTALL) -m 0644 $(SHLIB_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB_REAL)) $(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME)
	ln -sf $(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/libfaxgw.so
	$(INSTALL) -m 0644 $(B)/faxgw.pc $(DESTDIR)$(PKGCONFIGDIR)/faxgw.pc
	$(INSTALL) -m 0644 $(INST_HDRS) $(DESTDIR)$(INCLUDEDIR)/faxgw/
	$(INSTALL) -m 0644 mibs/FAXGW-MIB.txt $(DESTDIR)$(MIBDIR)/
	@set -e; for m in $(INST_MAN); do s=$${m##*.}; \
	  echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
	  $(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s; \
	  $(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	$(if $(INST_DOCS),$(INSTALL) -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/)
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/faxgw/routing.d
	sed -e 's|^\(extensions *= *\)[^ #]*|\1$(ROUTINGDIR)|' \
	  docs/faxgw.conf.example > $(B)/faxgw.conf.installed
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/faxgw/faxgw.conf ]; then \
	  echo "kept the existing $(DESTDIR)$(SYSCONFDIR)/faxgw/faxgw.conf"; \
	else \
	  echo "$(INSTALL) -m 0640 $(B)/faxgw.conf.installed $(DESTDIR)$(SYSCONFDIR)/faxgw/faxgw.conf"; \
	  $(INSTALL) -m 0640 $(B)/faxgw.conf.installed $(DESTDIR)$(SYSCONFDIR)/faxgw/faxgw.conf; \
	fi

# systemd units and sysusers.d/tmpfiles.d entries for a source install
# (the Debian packages install them with dh_installsystemd and friends).
install-systemd:
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	@set -e; for u in faxgwd faxgw-agent; do \
	  sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/faxgw/|$(SYSCONFDIR)/faxgw/|g' \
	    -e 's|/usr/share/doc/faxgw/|$(DOCDIR)/|g' \
	    tools/systemd/$$u.service > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.service; \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.service; done
	$(INSTALL) -m 0644 tools/systemd/faxgw.sysusers $(DESTDIR)$(SYSUSERSDIR)/faxgw.conf
	$(INSTALL) -m 0644 tools/systemd/faxgw.tmpfiles $(DESTDIR)$(TMPFILESDIR)/faxgw.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/faxgwd $(DESTDIR)$(SBINDIR)/faxgw-agent \
	  $(addprefix $(DESTDIR)$(BINDIR)/,faxgwctl faxpeer faxpcap faxbench faxtestdoc) \
	  $(DESTDIR)$(LIBDIR)/libfaxgw.so* $(DESTDIR)$(PKGCONFIGDIR)/faxgw.pc \
	  $(DESTDIR)$(MIBDIR)/FAXGW-MIB.txt \
	  $(addprefix $(DESTDIR)$(MANDIR)/,$(foreach m,$(INST_MAN),man$(subst .,,$(suffix $(m)))/$(notdir $(m))))
	rm -rf $(DESTDIR)$(ROUTINGDIR) $(DESTDIR)$(INCLUDEDIR)/faxgw $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(PKGLIBDIR)
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/faxgw/faxgw.conf (remove it by hand)"
