package dev.parley.chat;

/** The request itself is wrong (for example its prompt exceeds the model's context). Not retriable. */
public class InvalidRequestException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
