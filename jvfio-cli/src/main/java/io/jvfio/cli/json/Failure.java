package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a command prints for {@code --json} when it stopped before it had a result of its own: a
 * usage error ({@code result} {@value CliJson#USAGE}) or a runtime failure ({@value
 * CliJson#FAILED}).
 *
 * @param error the sentence stderr shows, without the command's name
 * @param errno the Linux error name (EADDRINUSE), absent when none applies
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Failure(String result, String error, String errno) {
  public static Failure usage(String error) {
    return new Failure(CliJson.USAGE, error, null);
  }

  public static Failure failed(String error, String errno) {
    return new Failure(CliJson.FAILED, error, errno);
  }
}
