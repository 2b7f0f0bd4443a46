/*  im_config_calendar - the calendars section and the SLA's calendar keys

    A calendar is written the way a service-desk manager says it:

        calendars:
          - name: business
            zone: Europe/Berlin
            hours: {mon-fri: "08:00-18:00", sat: "09:00-13:00"}
            holidays: ["12-25", "2026-12-31", "last monday of may"]
            exceptions:
              - {date: "2026-12-24", hours: "08:00-12:00"}

    or "always: true" for 24x7. Every calendar is opened with
    im_calendar_new while the policy is parsed, so an unknown zone is an
    error at its line and column like every other, not a surprise in
    the SLA timer later. The keys of a calendar are in im_config_schema.c;
    here are the values that are more than one scalar, and the checks
    that involve more than one key (a calendar named by an SLA target
    must exist).
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_config.h"
#include "im_incident.h"
#include "im_config_private.h"

//  Reads the hours mapping: weekday sets to spans. Days not named are
//  closed; a day named twice is an error.
void
im_config_read_hours (struct fy_diag *diag, const char *name,
                      struct fy_node *key, struct fy_node *value,
                      im_calendar_def_t *def)
{
    if (!value || !fy_node_is_mapping (value)) {
        im_config_yaml_error (diag, value ? value : key, "%s: expected a "
                              "mapping of weekdays to hours, such as "
                              "mon-fri: \"08:00-18:00\"", name);
        return;
    }
    memset (def->week, 0, sizeof def->week);
    bool seen [7] = { false };
    void *iterator = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate (value, &iterator))) {
        struct fy_node *days_node = fy_node_pair_key (pair);
        struct fy_node *spans_node = fy_node_pair_value (pair);
        char days_text [IM_CONFIG_NAME_MAX] = "";
        char spans_text [IM_CONFIG_NAME_MAX * 2] = "";
        if (!days_node
        ||  !im_config_yaml_scalar (diag, name, value, days_node, days_text,
                                    sizeof days_text)
        ||  !im_config_yaml_scalar (diag, name, days_node, spans_node,
                                    spans_text, sizeof spans_text))
            continue;
        bool days [7] = { false };
        im_calendar_day_t day;
        char reason [128] = "";
        if (im_calendar_parse_weekdays (days_text, days, reason,
                                        sizeof reason)) {
            im_config_yaml_error (diag, days_node, "%s: %s", name, reason);
            continue;
        }
        if (im_calendar_parse_day (spans_text, &day, reason, sizeof reason)) {
            im_config_yaml_error (diag, spans_node, "%s.%s: %s", name,
                                  days_text, reason);
            continue;
        }
        for (int weekday = 0; weekday < 7; weekday++) {
            if (!days [weekday])
                continue;
            if (seen [weekday])
                im_config_yaml_error (diag, days_node, "%s: %s names a day "
                                      "already given hours", name,
                                      days_text);
            seen [weekday] = true;
            def->week [weekday] = day;
        }
    }
}

//  Reads one date at node into date; false after reporting
static bool
s_date (struct fy_diag *diag, const char *name, struct fy_node *key,
        struct fy_node *node, im_calendar_date_t *date)
{
    char text [IM_CONFIG_NAME_MAX] = "";
    char reason [128] = "";
    if (!im_config_yaml_scalar (diag, name, key, node, text, sizeof text))
        return false;
    if (im_calendar_parse_date (text, date, reason, sizeof reason)) {
        im_config_yaml_error (diag, node, "%s: %s", name, reason);
        return false;
    }
    return true;
}

//  Reads one exception, a mapping with date and hours; false after
//  reporting
static bool
s_exception (struct fy_diag *diag, const char *name, struct fy_node *item,
             im_calendar_exception_t *exception)
{
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with date "
                              "and hours", name);
        return false;
    }
    bool dated = false, timed = false, valid = true;
    void *iterator = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate (item, &iterator))) {
        struct fy_node *key = fy_node_pair_key (pair);
        struct fy_node *value = fy_node_pair_value (pair);
        const char *text = key && fy_node_is_scalar (key)
                         ? fy_node_get_scalar0 (key) : NULL;
        char text_name [IM_CONFIG_WHERE_MAX + 32];
        snprintf (text_name, sizeof text_name, "%s.%s", name,
                  text ? text : "?");
        if (text && streq (text, "date")) {
            dated = true;
            valid &= s_date (diag, text_name, key, value, &exception->date);
        }
        else
        if (text && streq (text, "hours")) {
            timed = true;
            char spans [IM_CONFIG_NAME_MAX * 2] = "";
            char reason [128] = "";
            if (!im_config_yaml_scalar (diag, text_name, key, value, spans,
                                        sizeof spans))
                valid = false;
            else
            if (im_calendar_parse_day (spans, &exception->day, reason,
                                       sizeof reason)) {
                im_config_yaml_error (diag, value, "%s: %s", text_name,
                                      reason);
                valid = false;
            }
        }
        else {
            im_config_yaml_error (diag, key ? key : item, "%s: unknown key "
                                  "'%s' (known: date, hours)", name,
                                  text ? text : "?");
            valid = false;
        }
    }
    if (!dated || !timed)
        im_config_yaml_error (diag, item, "%s: missing %s", name,
                              dated ? "hours (\"closed\" for none)"
                                    : "date");
    return valid && dated && timed;
}

//  Reads the holidays list (dates, yearly dates and rules) or, when
//  exceptions, the exceptions list (dates with their own hours). Only
//  what was read is kept: one wrong date is one error.
static void
s_read_dates (struct fy_diag *diag, const char *name, struct fy_node *key,
              struct fy_node *value, bool exceptions, im_calendar_def_t *def)
{
    size_t *count = exceptions ? &def->exceptions_n : &def->holidays_n;
    *count = 0;
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key, "%s: expected a "
                              "list of %s", name,
                              exceptions ? "{date, hours}" : "dates");
        return;
    }
    if (fy_node_sequence_item_count (value) > IM_CALENDAR_DATES_MAX) {
        im_config_yaml_error (diag, value, "%s: more than %d %s", name,
                              IM_CALENDAR_DATES_MAX,
                              exceptions ? "exceptions" : "holidays");
        return;
    }
    void *iterator = NULL;
    struct fy_node *item;
    for (size_t index = 0; (item = fy_node_sequence_iterate (value,
                                                             &iterator));
         index++) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, index);
        if (exceptions
            ? s_exception (diag, item_name, item,
                           &def->exceptions [*count])
            : s_date (diag, item_name, value, item, &def->holidays [*count]))
            (*count)++;
    }
}

void
im_config_read_holidays (struct fy_diag *diag, const char *name,
                         struct fy_node *key, struct fy_node *value,
                         im_calendar_def_t *def)
{
    s_read_dates (diag, name, key, value, false, def);
}

void
im_config_read_exceptions (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           im_calendar_def_t *def)
{
    s_read_dates (diag, name, key, value, true, def);
}

//  Checks each calendar read from the list at value (count of them):
//  24x7 or a zone with hours, a name other than the built-in one, and
//  one im_calendar_new accepts
void
im_config_check_calendars (struct fy_diag *diag, const char *name,
                           struct fy_node *value, const im_policy_t *policy)
{
    void *iterator = NULL;
    struct fy_node *item;
    for (size_t index = 0; index < policy->calendars_n
         && (item = fy_node_sequence_iterate (value, &iterator)); index++) {
        const im_calendar_def_t *def = &policy->calendars [index];
        if (!fy_node_is_mapping (item) || !*def->name)
            continue;               //  Reported by the entries reader
        if (streq (def->name, IM_POLICY_CALENDAR_24X7)) {
            im_config_yaml_error (diag, item, "%s[%zu]: '%s' is the built-in "
                                  "24x7 calendar; choose another name",
                                  name, index, def->name);
            continue;
        }
        bool hours = fy_node_mapping_lookup_pair_by_string (item, "hours",
                                                            FY_NT) != NULL;
        if (!def->always && (!*def->zone || !hours)) {
            im_config_yaml_error (diag, item, "%s[%zu]: calendar '%s' needs "
                                  "zone and hours, or always: true", name,
                                  index, def->name);
            continue;
        }
        char reason [256] = "";
        im_calendar_t *calendar = im_calendar_new (def, reason,
                                                   sizeof reason);
        if (!calendar) {
            struct fy_node_pair *zone = fy_node_mapping_lookup_pair_by_string (
                item, "zone", FY_NT);
            struct fy_node *at = zone && fy_node_pair_value (zone)
                               ? fy_node_pair_value (zone) : item;
            im_config_yaml_error (diag, at, "%s[%zu]: calendar '%s': %s",
                                  name, index, def->name, reason);
        }
        im_calendar_destroy (&calendar);
    }
}

//  Reports at where when the calendar named by the key at where (what
//  in messages) is not in the policy
static void
s_check_ref (struct fy_diag *diag, struct fy_node *mapping, const char *key,
             const char *what, const char *calendar,
             const im_policy_t *policy)
{
    struct fy_node_pair *pair = mapping && fy_node_is_mapping (mapping)
        ? fy_node_mapping_lookup_pair_by_string (mapping, key, FY_NT) : NULL;
    if (!pair || !*calendar || im_policy_calendar (policy, calendar))
        return;
    struct fy_node *at = fy_node_pair_value (pair)
                       ? fy_node_pair_value (pair) : fy_node_pair_key (pair);
    im_config_yaml_error (diag, at, "%s: no calendar '%s' (calendars: %s%s"
                          "%s)", what, calendar, IM_POLICY_CALENDAR_24X7,
                          policy->calendars_n ? ", " : "",
                          policy->calendars_n ? "and the calendars section"
                                              : "");
}

//  Checks that every calendar the sla section names exists, and that
//  pause_on lists pending reasons
void
im_config_check_sla (struct fy_diag *diag, struct fy_node *root,
                     const im_policy_t *policy)
{
    struct fy_node *sla = root && fy_node_is_mapping (root)
        ? fy_node_mapping_lookup_by_string (root, "sla", FY_NT) : NULL;
    if (!sla || !fy_node_is_mapping (sla))
        return;
    struct fy_node *pause_on = fy_node_mapping_lookup_by_string (
        sla, "pause_on", FY_NT);
    void *iterator = NULL;
    struct fy_node *item;
    for (size_t index = 0; pause_on && fy_node_is_sequence (pause_on)
         && index < policy->pause_on_n
         && (item = fy_node_sequence_iterate (pause_on, &iterator));
         index++)
        if (*policy->pause_on [index]
        &&  !im_incident_pending_reason_valid (policy->pause_on [index]))
            im_config_yaml_error (diag, item, "sla.pause_on[%zu]: '%s' is not "
                                  "a pending reason (%s)", index,
                                  policy->pause_on [index],
                                  im_incident_pending_reasons ());
    s_check_ref (diag, sla, "calendar", "sla.calendar", policy->sla_calendar,
                 policy);
    for (int index = 0; index <= IM_PRIORITIES; index++) {
        char section [16], what [32];
        snprintf (section, sizeof section, index < IM_PRIORITIES ? "P%d"
                                                                 : "request",
                  index + 1);
        snprintf (what, sizeof what, "sla.%s.calendar", section);
        const char *calendar = index < IM_PRIORITIES
                             ? policy->calendar [index]
                             : policy->request_calendar;
        s_check_ref (diag, fy_node_mapping_lookup_by_string (sla, section,
                                                             FY_NT),
                     "calendar", what, calendar, policy);
    }
}

//  Reads warn_at: at most IM_POLICY_WARN_MAX percentages 1..99, in
//  ascending order
void
im_config_read_percents (struct fy_diag *diag, const char *name,
                         struct fy_node *key, struct fy_node *value,
                         im_policy_t *policy)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key, "%s: expected a "
                              "list of percentages, such as [50, 75]", name);
        return;
    }
    if (fy_node_sequence_item_count (value) > IM_POLICY_WARN_MAX) {
        im_config_yaml_error (diag, value, "%s: more than %d warnings",
                              name, IM_POLICY_WARN_MAX);
        return;
    }
    policy->warn_at_n = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name,
                  policy->warn_at_n);
        uint64_t percent = 0;
        if (!im_config_yaml_number (diag, item_name, value, item, 1, 99,
                                    &percent))
            continue;
        if (policy->warn_at_n
        &&  percent <= policy->warn_at [policy->warn_at_n - 1])
            im_config_yaml_error (diag, item, "%s: %" PRIu64 " is not above "
                                  "the one before it", item_name, percent);
        policy->warn_at [policy->warn_at_n++] = percent;
    }
}
